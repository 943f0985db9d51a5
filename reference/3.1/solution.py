"""Reference solution for lesson 3.1: SGD, Adagrad, RMSprop, Adam and AdamW by hand (hidden)."""

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

Closure = Callable[[], Tensor] | None


def _evaluate(closure: Closure) -> Tensor | None:
    """Run the closure with autograd on (step itself runs under no_grad), as torch.optim does."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay."""

    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False) -> None:
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
            lam, nesterov = group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if lam != 0:
                    g = g + lam * p  # L2: the gradient of (lam / 2) * ||p||^2
                if mu != 0:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        # the first buffer is the gradient itself, undamped
                        state["momentum_buffer"] = g.clone()
                    else:
                        state["momentum_buffer"].mul_(mu).add_(g, alpha=1 - tau)
                    b = state["momentum_buffer"]
                    # Nesterov looks ahead along the new buffer
                    g = g + mu * b if nesterov else b
                p.add_(g, alpha=-lr)
        return loss


class Adagrad(Optimizer):
    """Adagrad: each coordinate's step is divided by the root of its summed squared gradients."""

    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "eps": eps}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, eta, lam, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0)
                    state["sum"] = torch.full_like(p, group["initial_accumulator_value"])
                state["step"] += 1
                t = state["step"].item()
                g = p.grad
                if lam != 0:
                    g = g + lam * p
                lr_t = lr / (1 + (t - 1) * eta)
                state["sum"].addcmul_(g, g)
                p.addcdiv_(g, state["sum"].sqrt() + eps, value=-lr_t)
        return loss


class RMSprop(Optimizer):
    """RMSprop: divide by the root of a moving average of squared gradients."""

    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                    "momentum": momentum, "centered": centered}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            lam, mu, centered = group["weight_decay"], group["momentum"], group["centered"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0)
                    state["square_avg"] = torch.zeros_like(p)
                    if mu > 0:
                        state["momentum_buffer"] = torch.zeros_like(p)
                    if centered:
                        state["grad_avg"] = torch.zeros_like(p)
                state["step"] += 1
                g = p.grad
                if lam != 0:
                    g = g + lam * p
                v = state["square_avg"]
                v.mul_(alpha).addcmul_(g, g, value=1 - alpha)
                if centered:
                    g_avg = state["grad_avg"]
                    g_avg.mul_(alpha).add_(g, alpha=1 - alpha)
                    # subtract the squared mean: a running estimate of the variance
                    denom = (v - g_avg * g_avg).sqrt() + eps
                else:
                    denom = v.sqrt() + eps
                if mu > 0:
                    b = state["momentum_buffer"]
                    b.mul_(mu).addcdiv_(g, denom)
                    p.add_(b, alpha=-lr)
                else:
                    p.addcdiv_(g, denom, value=-lr)
        return loss


def _adam_update(p: Tensor, g: Tensor, state: dict[str, Any], lr: float, beta1: float,
                 beta2: float, eps: float) -> None:
    """The bias-corrected Adam step of p in place (shared by Adam and AdamW)."""
    if not state:
        state["step"] = torch.tensor(0.0)
        state["exp_avg"] = torch.zeros_like(p)
        state["exp_avg_sq"] = torch.zeros_like(p)
    state["step"] += 1
    t = state["step"].item()
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m.mul_(beta1).add_(g, alpha=1 - beta1)
    v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
    # both moments start at 0, so early averages are too small by (1 - beta^t)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    p.addcdiv_(m_hat, v_hat.sqrt() + eps, value=-lr)


class Adam(Optimizer):
    """Adam, with weight decay as an L2 term added to the gradient."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    def _decay(self, p: Tensor, g: Tensor, lr: float, lam: float) -> Tensor:
        """Adam's weight decay: L2, folded into the gradient (and so into both moments)."""
        return g + lam * p

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, lam = (group["lr"], group["betas"], group["eps"],
                                            group["weight_decay"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if lam != 0:
                    g = self._decay(p, g, lr, lam)
                _adam_update(p, g, self.state[p], lr, beta1, beta2, eps)
        return loss


class AdamW(Adam):
    """AdamW: Adam whose weight decay shrinks the parameters directly (decoupled)."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _decay(self, p: Tensor, g: Tensor, lr: float, lam: float) -> Tensor:
        """Decoupled decay: shrink p by lr * lam before the Adam step; the gradient is untouched."""
        p.mul_(1 - lr * lam)
        return g
