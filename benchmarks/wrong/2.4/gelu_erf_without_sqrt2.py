"""gelu_erf_argument: erf(x / 2) where erf(x / sqrt(2)) belongs, in gelu and gelu_grad."""
import math

import torch
from torch import Tensor, nn


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return torch.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, negative_slope))


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    if approximate == "tanh":
        u = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
        return 0.5 * x * (1 + torch.tanh(u))
    return 0.5 * x * (1 + torch.erf(x / 2))


def gelu_grad(x: Tensor, approximate: str = "none") -> Tensor:
    if approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        u = c * (x + 0.044715 * x ** 3)
        t = torch.tanh(u)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t ** 2) * c * (1 + 3 * 0.044715 * x ** 2)
    cdf = 0.5 * (1 + torch.erf(x / 2))
    pdf = torch.exp(-x ** 2 / 2) / math.sqrt(2 * math.pi)
    return cdf + x * pdf


def dead_relu_fraction(model: nn.Module, X: Tensor) -> float:
    dead = 0
    total = 0
    h = X
    with torch.no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                dead += int((h == 0).all(dim=0).sum())
                total += h.shape[1]
    return dead / total
