"""Reference solution for lesson 3.3: weight initialisation (Xavier/Glorot, Kaiming/He)."""

import math

import torch
from torch import Tensor


def fans(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel): in * k and out * k, where k
    is the number of entries of the kernel (1 for a linear layer's (out, in) weight)."""
    if tensor.dim() < 2:
        raise ValueError("fans need a tensor with at least 2 dimensions")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def relu_gain(nonlinearity: str, a: float = 0.0) -> float:
    """The gain that keeps the variance through the nonlinearity: sqrt(2) for ReLU,
    sqrt(2 / (1 + a^2)) for a leaky ReLU of negative slope a, 1 for a linear layer."""
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1.0 + a * a))
    if nonlinearity == "linear":
        return 1.0
    raise ValueError(f"unknown nonlinearity {nonlinearity!r}")


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Fill tensor in place from U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)); return it."""
    fan_in, fan_out = fans(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    with torch.no_grad():
        return tensor.uniform_(-bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Fill tensor in place from N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    with torch.no_grad():
        return tensor.normal_(0.0, std)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "relu") -> Tensor:
    """Fill tensor in place from N(0, std^2), std = gain / sqrt(fan), fan = fan_in or fan_out
    as mode says, gain = relu_gain(nonlinearity, a); return it."""
    fan_in, fan_out = fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    std = relu_gain(nonlinearity, a) / math.sqrt(fan)
    with torch.no_grad():
        return tensor.normal_(0.0, std)


# ---- oracles used by the grading spec (not part of the exercise) ----

def init_theory(fan_out: int, fan_in: int, gain: float, a: float) -> dict[str, float]:
    """What each initialiser promises for an (fan_out, fan_in) weight: the variance of its
    entries (all have mean 0), and Xavier-uniform's bound."""
    xavier_var = gain * gain * 2.0 / (fan_in + fan_out)
    return {
        "zero": 0.0,
        "xavier_var": xavier_var,
        # the sum of two independent Xavier-normal fills: the variances add
        "xavier_var_of_sum": 2.0 * xavier_var,
        "xavier_bound": math.sqrt(3.0 * xavier_var),
        "kaiming_in_var": 2.0 / fan_in,
        "kaiming_out_var": 2.0 / fan_out,
        "kaiming_leaky_var": 2.0 / ((1.0 + a * a) * fan_in),
        "kaiming_linear_var": 1.0 / fan_in,
    }
