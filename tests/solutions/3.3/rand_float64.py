"""Lesson 3.3 written with torch.rand / torch.randn in float64, copied into the tensor."""

import math

import torch
from torch import Tensor


def fans(tensor: Tensor) -> tuple[int, int]:
    k = tensor[0][0].numel()
    return int(tensor.size(1) * k), int(tensor.size(0) * k)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor)
    b = gain * math.sqrt(6 / (fan_in + fan_out))
    values = (torch.rand(tensor.shape, dtype=torch.float64) * 2 - 1) * b
    with torch.no_grad():
        tensor.copy_(values)
    return tensor


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor)
    variance = gain**2 * 2 / (fan_in + fan_out)
    with torch.no_grad():
        tensor.copy_(torch.randn(tensor.shape, dtype=torch.float64) * variance**0.5)
    return tensor


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "relu") -> Tensor:
    fan_in, fan_out = fans(tensor)
    fan = {"fan_in": fan_in, "fan_out": fan_out}[mode]
    gain_sq = {"relu": 2.0, "leaky_relu": 2.0 / (1 + a**2), "linear": 1.0}[nonlinearity]
    with torch.no_grad():
        tensor.copy_(torch.randn(tensor.shape, dtype=torch.float64) * math.sqrt(gain_sq / fan))
    return tensor
