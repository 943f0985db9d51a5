"""gelu_tanh_for_exact: gelu and gelu_grad always use the tanh form, whatever approximate says."""
import math

import torch
from torch import Tensor, nn


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return torch.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, negative_slope))


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    # the usual GELU formula
    u = math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))
    return 0.5 * x * (1.0 + torch.tanh(u))


def gelu_grad(x: Tensor, approximate: str = "none") -> Tensor:
    c = math.sqrt(2.0 / math.pi)
    u = c * (x + 0.044715 * torch.pow(x, 3))
    t = torch.tanh(u)
    du = c * (1.0 + 3 * 0.044715 * x * x)
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du


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
