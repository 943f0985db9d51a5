"""rms_norm through torch.rms_norm, the function under torch's top-level name."""

import torch

LOSES = ["rms_norm: values, float32 (default eps)",
         "rms_norm: values over the last two dims, float64",
         "rms_norm: one sample, no weight", "rms_norm: gradients (input, weight), float32"]


def rms_norm(x, normalized_shape, weight=None, eps=None):
    return torch.rms_norm(x, normalized_shape, weight, eps)
