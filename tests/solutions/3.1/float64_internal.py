"""A correct 3.1 solution that does every update in float64 and keeps its state in float64.

Each parameter is copied to float64, updated there and written back in its own dtype; the
moments and buffers stay in float64 between steps (more precise than torch's float32 state).
The step counter is a plain Python int.
"""

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

Closure = Callable[[], Tensor] | None
F64 = torch.float64


def _loss(closure: Closure) -> Tensor | None:
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


def _with_grads(optimizer: Optimizer):  # type: ignore[no-untyped-def]
    """(group, p, state, float64 grad, float64 copy of p) for every parameter with a grad."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.grad is not None:
                yield group, p, optimizer.state[p], p.grad.to(F64), p.detach().to(F64)


class SGD(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov})

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _loss(closure)
        for group, p, state, g, x in _with_grads(self):
            g = g + group["weight_decay"] * x
            mu = group["momentum"]
            if mu != 0:
                if "momentum_buffer" in state:
                    buf = mu * state["momentum_buffer"] + (1 - group["dampening"]) * g
                else:
                    buf = g
                state["momentum_buffer"] = buf
                g = g + mu * buf if group["nesterov"] else buf
            p.copy_(x - group["lr"] * g)
        return loss


class Adagrad(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "eps": eps})

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _loss(closure)
        for group, p, state, g, x in _with_grads(self):
            t = state.get("step", 0) + 1
            s = state.get("sum", torch.full(p.shape, group["initial_accumulator_value"],
                                            dtype=F64))
            g = g + group["weight_decay"] * x
            s = s + g * g
            state["step"], state["sum"] = t, s
            lr_t = group["lr"] / (1 + (t - 1) * group["lr_decay"])
            p.copy_(x - lr_t * g / (s.sqrt() + group["eps"]))
        return loss


class RMSprop(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps,
                                  "weight_decay": weight_decay, "momentum": momentum,
                                  "centered": centered})

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _loss(closure)
        for group, p, state, g, x in _with_grads(self):
            a, mu = group["alpha"], group["momentum"]
            zeros = torch.zeros(p.shape, dtype=F64)
            g = g + group["weight_decay"] * x
            state["step"] = state.get("step", 0) + 1
            v = a * state.get("square_avg", zeros) + (1 - a) * g**2
            state["square_avg"] = v
            if group["centered"]:
                m = a * state.get("grad_avg", zeros) + (1 - a) * g
                state["grad_avg"] = m
                v = v - m**2
            direction = g / (torch.sqrt(v) + group["eps"])
            if mu > 0:
                direction = mu * state.get("momentum_buffer", zeros) + direction
                state["momentum_buffer"] = direction
            p.copy_(x - group["lr"] * direction)
        return loss


class Adam(Optimizer):
    decoupled = False

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _loss(closure)
        for group, p, state, g, x in _with_grads(self):
            lr, lam, (b1, b2) = group["lr"], group["weight_decay"], group["betas"]
            if self.decoupled:
                x = x * (1 - lr * lam)
            else:
                g = g + lam * x
            zeros = torch.zeros(p.shape, dtype=F64)
            t = state.get("step", 0) + 1
            m = b1 * state.get("exp_avg", zeros) + (1 - b1) * g
            v = b2 * state.get("exp_avg_sq", zeros) + (1 - b2) * g * g
            state.update(step=t, exp_avg=m, exp_avg_sq=v)
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
            p.copy_(x - lr * m_hat / (v_hat.sqrt() + group["eps"]))
        return loss


class AdamW(Adam):
    decoupled = True

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)
