"""missing_relu_gain: the ReLU gain sqrt(2) is left out (gain 1)."""
import math

import torch
from torch import Tensor


def fans(tensor: Tensor) -> tuple[int, int]:
    out_f, in_f = tensor.shape[0], tensor.shape[1]
    k = 1
    for s in tensor.shape[2:]:
        k *= s
    return in_f * k, out_f * k


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        tensor.uniform_(-bound, bound)
    return tensor


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    with torch.no_grad():
        tensor.normal_(0.0, std)
    return tensor


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "relu") -> Tensor:
    fan_in, fan_out = fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if nonlinearity == "relu":
        gain = 1.0
    elif nonlinearity == "leaky_relu":
        gain = math.sqrt(2.0 / (1 + a ** 2))
    else:
        gain = 1.0
    std = gain / math.sqrt(fan)
    with torch.no_grad():
        tensor.normal_(0.0, std)
    return tensor
