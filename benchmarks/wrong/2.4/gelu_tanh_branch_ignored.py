"""gelu_exact_for_tanh: the approximate argument is never read, gelu is always x Phi(x)."""
import math

import torch
from torch import Tensor, nn


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return torch.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, negative_slope))


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    phi = 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
    return x * phi


def gelu_grad(x: Tensor, approximate: str = "none") -> Tensor:
    Phi = 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
    phi = torch.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    return Phi + x * phi


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
