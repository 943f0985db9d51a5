"""gelu through a torch.nn.GELU module made in a helper: right values, the rule broken."""

import torch

LOSES = ["gelu: exact form, float32 (the default)", "gelu: exact form, float64",
         "gelu: tanh form, float32", "gelu: tanh form, float64",
         "gelu: x = 0 and large |x|, both forms"]


def _activation(approximate):
    return torch.nn.GELU(approximate=approximate)


def gelu(x, approximate="none"):
    return _activation(approximate)(x)
