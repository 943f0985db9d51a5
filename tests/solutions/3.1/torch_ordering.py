"""A correct 3.1 solution in torch's own order of operations, written out of place.

Adam uses the paper's "efficient" form (the bias corrections folded into the step size and
eps scaled by sqrt(1 - beta2^t)), which is the same update in exact arithmetic. AdamW is a
class of its own. The step counter is a float tensor, as torch stores it.
"""

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

Closure = Callable[[], Tensor] | None


class SGD(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def step(self, closure: Closure = None) -> Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            for group in self.param_groups:
                for p in (q for q in group["params"] if q.grad is not None):
                    d_p = p.grad
                    if group["weight_decay"]:
                        d_p = d_p.add(p, alpha=group["weight_decay"])
                    if group["momentum"]:
                        buf = self.state[p].get("momentum_buffer")
                        if buf is None:
                            buf = torch.clone(d_p).detach()
                        else:
                            buf = buf.mul(group["momentum"]).add(d_p,
                                                                 alpha=1 - group["dampening"])
                        self.state[p]["momentum_buffer"] = buf
                        d_p = d_p.add(buf, alpha=group["momentum"]) if group["nesterov"] else buf
                    p.add_(d_p, alpha=-group["lr"])
        return loss


class Adagrad(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["step"] = torch.tensor(0.0)
                self.state[p]["sum"] = torch.full_like(p, group["initial_accumulator_value"])

    def step(self, closure: Closure = None) -> Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = self.state[p]
                    st["step"] = st["step"] + 1
                    grad = p.grad.add(p, alpha=group["weight_decay"])
                    clr = group["lr"] / (1 + (st["step"].item() - 1) * group["lr_decay"])
                    st["sum"] = torch.addcmul(st["sum"], grad, grad, value=1)
                    std = st["sum"].sqrt().add(group["eps"])
                    p.addcdiv_(grad, std, value=-clr)
        return loss


class RMSprop(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def step(self, closure: Closure = None) -> Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            for group in self.param_groups:
                alpha = group["alpha"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = self.state[p]
                    if len(st) == 0:
                        st["step"] = torch.tensor(0.0)
                        st["square_avg"] = torch.zeros_like(p)
                        if group["momentum"] > 0:
                            st["momentum_buffer"] = torch.zeros_like(p)
                        if group["centered"]:
                            st["grad_avg"] = torch.zeros_like(p)
                    st["step"] = st["step"] + 1
                    grad = p.grad
                    if group["weight_decay"] != 0:
                        grad = grad.add(p, alpha=group["weight_decay"])
                    st["square_avg"] = torch.addcmul(st["square_avg"] * alpha, grad, grad,
                                                     value=1 - alpha)
                    if group["centered"]:
                        st["grad_avg"] = torch.lerp(st["grad_avg"], grad, 1 - alpha)
                        avg = torch.addcmul(st["square_avg"], st["grad_avg"], st["grad_avg"],
                                            value=-1).sqrt_()
                    else:
                        avg = st["square_avg"].sqrt()
                    avg = avg.add_(group["eps"])
                    if group["momentum"] > 0:
                        st["momentum_buffer"] = torch.addcdiv(
                            st["momentum_buffer"] * group["momentum"], grad, avg)
                        p.add_(st["momentum_buffer"], alpha=-group["lr"])
                    else:
                        p.addcdiv_(grad, avg, value=-group["lr"])
        return loss


def _adam(opt: Optimizer, decoupled: bool) -> None:
    for group in opt.param_groups:
        beta1, beta2 = group["betas"]
        for p in group["params"]:
            if p.grad is None:
                continue
            st = opt.state[p]
            if not st:
                st["step"] = torch.tensor(0.0)
                st["exp_avg"] = torch.zeros_like(p)
                st["exp_avg_sq"] = torch.zeros_like(p)
            grad = p.grad
            if decoupled:
                p.mul_(1 - group["lr"] * group["weight_decay"])
            elif group["weight_decay"] != 0:
                grad = grad.add(p, alpha=group["weight_decay"])
            st["step"] = st["step"] + 1
            t = st["step"].item()
            st["exp_avg"] = torch.lerp(st["exp_avg"], grad, 1 - beta1)
            st["exp_avg_sq"] = st["exp_avg_sq"].mul(beta2).addcmul(grad, grad.conj(),
                                                                   value=1 - beta2)
            bc1, bc2 = 1 - beta1**t, 1 - beta2**t
            step_size = group["lr"] * math.sqrt(bc2) / bc1
            denom = st["exp_avg_sq"].sqrt().add(group["eps"] * math.sqrt(bc2))
            p.addcdiv_(st["exp_avg"], denom, value=-step_size)


class Adam(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def step(self, closure: Closure = None) -> Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            _adam(self, decoupled=False)
        return loss


class AdamW(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def step(self, closure: Closure = None) -> Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            _adam(self, decoupled=True)
        return loss
