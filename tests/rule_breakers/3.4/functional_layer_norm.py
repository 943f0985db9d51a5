"""layer_norm handed to torch.nn.functional's own: right values and gradients, the rule broken."""

import torch.nn.functional as F  # noqa: N812

LOSES = ["layer_norm: values, float32 (default eps)",
         "layer_norm: values over the last two dims, float64",
         "layer_norm: one sample, no weight or bias",
         "layer_norm: gradients (input, weight, bias), float32",
         "layer_norm: gradients over the last two dims, float64"]


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    return F.layer_norm(x, normalized_shape, weight, bias, eps)
