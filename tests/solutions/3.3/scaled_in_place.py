"""Lesson 3.3 with standard draws scaled in place (uniform_(-1, 1).mul_, normal_().mul_)."""

import math

import torch
from torch import Tensor


def fans(tensor: Tensor) -> tuple[int, int]:
    receptive = 1
    for size in tensor.shape[2:]:
        receptive *= size
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _scaled(tensor: Tensor, std: float, uniform: bool) -> Tensor:
    with torch.no_grad():
        if uniform:
            tensor.uniform_(-1.0, 1.0).mul_(std * math.sqrt(3.0))
        else:
            tensor.normal_().mul_(std)
    return tensor


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor)
    return _scaled(tensor, gain * math.sqrt(2.0 / (fan_in + fan_out)), uniform=True)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor)
    return _scaled(tensor, gain * math.sqrt(2.0 / (fan_in + fan_out)), uniform=False)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "relu") -> Tensor:
    fan_in, fan_out = fans(tensor)
    if nonlinearity == "relu":
        gain = math.sqrt(2.0)
    elif nonlinearity == "leaky_relu":
        gain = math.sqrt(2.0 / (1.0 + a * a))
    else:
        gain = 1.0
    fan = fan_out if mode == "fan_out" else fan_in
    return _scaled(tensor, gain / math.sqrt(fan), uniform=False)
