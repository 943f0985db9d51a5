"""Reference solution for lesson 2.4: the role of activations (hidden from students)."""

import math

import torch
from torch import Tensor, nn

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
GELU_TANH_COEFF = 0.044715


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, negative_slope * x elsewhere; same shape and dtype as x."""
    return torch.where(x > 0, x, x * negative_slope)


def leaky_relu_grad(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """d leaky_relu / dx element-wise: 1 where x > 0, negative_slope elsewhere (x = 0 too)."""
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, negative_slope))


def _normal_cdf(x: Tensor) -> Tensor:
    """Phi(x), the standard normal CDF."""
    return 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


def _normal_pdf(x: Tensor) -> Tensor:
    """phi(x), the standard normal density."""
    return torch.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """GELU as torch.nn.functional.gelu: x * Phi(x), or its tanh approximation."""
    if approximate == "none":
        return x * _normal_cdf(x)
    if approximate == "tanh":
        u = SQRT_2_OVER_PI * (x + GELU_TANH_COEFF * x**3)
        return 0.5 * x * (1.0 + torch.tanh(u))
    raise ValueError(f"approximate must be 'none' or 'tanh', not {approximate!r}")


def gelu_grad(x: Tensor, approximate: str = "none") -> Tensor:
    """d gelu / dx element-wise, for the exact form or the tanh approximation."""
    if approximate == "none":
        return _normal_cdf(x) + x * _normal_pdf(x)
    if approximate == "tanh":
        u = SQRT_2_OVER_PI * (x + GELU_TANH_COEFF * x**3)
        t = torch.tanh(u)
        du_dx = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_COEFF * x * x)
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du_dx
    raise ValueError(f"approximate must be 'none' or 'tanh', not {approximate!r}")


def dead_relu_fraction(model: nn.Module, X: Tensor) -> float:
    """The fraction of hidden ReLU units (over all ReLU layers) whose output is 0 for every
    row of X."""
    dead, total = 0, 0
    h = X
    with torch.no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                dead += int((h <= 0).all(dim=0).sum())
                total += h.shape[1]
    return dead / total if total else 0.0


# ---- oracles used by the grading spec (not part of the exercise) ----

def leaky_relu_grad_autograd(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """The derivative of torch.nn.functional.leaky_relu by autograd (the oracle)."""
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(torch.nn.functional.leaky_relu(x, negative_slope).sum(), x)
    return g


def gelu_grad_autograd(x: Tensor, approximate: str = "none") -> Tensor:
    """The derivative of torch.nn.functional.gelu by autograd (the oracle)."""
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(torch.nn.functional.gelu(x, approximate=approximate).sum(), x)
    return g
