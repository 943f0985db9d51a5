"""clip_grad_norm_ handed to torch.nn.utils' own (as a submission did): every clipping check."""

import torch

LOSES = ["clip_grad_norm_: the total norm", "clip_grad_norm_: all gradients scaled by one factor",
         "clip_grad_norm_: the gradients clipped in place",
         "clip_grad_norm_: below max_norm nothing changes",
         "clip_grad_norm_: model.parameters(), one without a gradient, float64"]


def clip_grad_norm_(parameters, max_norm):
    return torch.nn.utils.clip_grad_norm_(parameters, max_norm)
