"""A correct 3.4 solution built from other torch pieces: torch.var_mean with correction=0,
torch.rsqrt, batch norm through movedim and torch.lerp for the running buffers, the block's
branch as an nn.Sequential-free chain of functional calls, clipping with torch._foreach-free
in-place division, norms with torch.linalg.vector_norm over the whole set at once."""

from collections.abc import Iterable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def layer_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    dims = list(range(-len(normalized_shape), 0))
    var, mean = torch.var_mean(x, dim=dims, correction=0, keepdim=True)
    y = (x - mean) * torch.rsqrt(var + eps)
    if weight is not None:
        y = torch.addcmul(bias if bias is not None else torch.zeros_like(y), y, weight)
    elif bias is not None:
        y = y + bias
    return y


def rms_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    dims = list(range(-len(normalized_shape), 0))
    ms = torch.mean(x * x, dim=dims, keepdim=True)
    y = x / torch.sqrt(ms + (torch.finfo(x.dtype).eps if eps is None else eps))
    if weight is not None:
        y = y * weight
    return y


def batch_norm(x: Tensor, running_mean: Tensor, running_var: Tensor,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    moved = x.movedim(1, -1)  # channels last: (..., C)
    dims = list(range(moved.dim() - 1))
    if training:
        var, mean = torch.var_mean(moved, dim=dims, correction=0)
        n = moved.numel() // moved.shape[-1]
        with torch.no_grad():
            running_mean.lerp_(mean, momentum)
            running_var.lerp_(var * (n / (n - 1)), momentum)
    else:
        mean, var = running_mean, running_var
    y = (moved - mean) / torch.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y.movedim(-1, 1)


class ResidualBlock(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: Tensor) -> Tensor:
        h = F.linear(self.norm(x), self.fc1.weight, self.fc1.bias).clamp(min=0)
        return torch.add(x, F.linear(h, self.fc2.weight, self.fc2.bias))


def clip_grad_norm_(parameters: Iterable[Tensor], max_norm: float) -> Tensor:
    grads = [p.grad for p in list(parameters) if p.grad is not None]
    total = torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads]))
    if total + 1e-6 > max_norm:
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))
    return total


def grad_norms_by_layer(model: nn.Module) -> dict[str, float]:
    named = [(n, p.grad) for n, p in model.named_parameters() if p.grad is not None]
    return {n: float(g.norm()) for n, g in named}
