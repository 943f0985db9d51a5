"""A correct 2.4 solution: values by torch.where and the tanh form written out (the rule
says: write the formulas yourself, so torch.nn.functional's own are not allowed),
derivatives filled in place by masks, and dead units counted with explicit Python loops
over units and rows."""

import math

import torch
from torch import Tensor, nn


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return torch.where(x > 0, x, x * negative_slope)


def leaky_relu_grad(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    g = torch.empty_like(x)
    g.fill_(negative_slope)
    g[x > 0] = 1.0
    return g


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    if approximate == "none":
        return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x.pow(3))
    return 0.5 * x * (1 + torch.tanh(inner))


def gelu_grad(x: Tensor, approximate: str = "none") -> Tensor:
    if approximate == "none":
        cdf = torch.erf(x * (1 / math.sqrt(2))).add_(1).mul_(0.5)
        pdf = torch.exp(x.square().mul(-0.5)).div_(math.sqrt(2 * math.pi))
        return cdf.add_(x * pdf)
    k = 0.044715
    inner = x + k * x * x * x
    inner.mul_(math.sqrt(2 / math.pi))
    t = torch.tanh(inner)
    left = 0.5 * (1 + t)
    right = 0.5 * x * (1 - t * t) * math.sqrt(2 / math.pi) * (1 + 3 * k * x * x)
    return left + right


def dead_relu_fraction(model: nn.Module, X: Tensor) -> float:
    dead = 0
    units = 0
    h = X
    for layer in model.children():
        with torch.no_grad():
            h = layer(h)
        if not isinstance(layer, nn.ReLU):
            continue
        rows, cols = h.shape
        for j in range(cols):
            fired = False
            for i in range(rows):
                if h[i, j].item() > 0:
                    fired = True
                    break
            units += 1
            if not fired:
                dead += 1
    return dead / units
