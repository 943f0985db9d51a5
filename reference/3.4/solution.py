"""Reference solution for lesson 3.4: deeper networks (hidden from students)."""

from collections.abc import Iterable, Sequence

import torch
from torch import Tensor, nn


def _last_dims(x: Tensor, normalized_shape: Sequence[int]) -> tuple[int, ...]:
    """The trailing dimensions a layer / RMS norm normalises over."""
    return tuple(range(x.dim() - len(normalized_shape), x.dim()))


def layer_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """torch.nn.functional.layer_norm: each sample normalised over its last dims."""
    dims = _last_dims(x, normalized_shape)
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, unbiased=False, keepdim=True)
    y = (x - mean) / torch.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """torch.nn.functional.rms_norm: x divided by the root mean square of its last dims."""
    if eps is None:
        eps = torch.finfo(x.dtype).eps
    dims = _last_dims(x, normalized_shape)
    y = x * torch.rsqrt(x.pow(2).mean(dim=dims, keepdim=True) + eps)
    return y * weight if weight is not None else y


def batch_norm(x: Tensor, running_mean: Tensor, running_var: Tensor,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """torch.nn.functional.batch_norm for x of shape (N, C, *): statistics per channel."""
    dims = tuple(d for d in range(x.dim()) if d != 1)
    shape = [1, x.shape[1]] + [1] * (x.dim() - 2)
    if training:
        mean = x.mean(dim=dims)
        var = x.var(dim=dims, unbiased=False)
        count = x.numel() // x.shape[1]
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mean)
            running_var.mul_(1 - momentum).add_(momentum * var * count / (count - 1))
    else:
        mean, var = running_mean, running_var
    y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def clip_grad_norm_(parameters: Iterable[Tensor], max_norm: float) -> Tensor:
    """torch.nn.utils.clip_grad_norm_: scale all gradients together so that their global
    L2 norm is at most max_norm; return the norm before clipping."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    return total


def grad_norms_by_layer(model: nn.Module) -> dict[str, float]:
    """The L2 norm of each named parameter's gradient (parameters without one left out)."""
    return {name: torch.linalg.vector_norm(p.grad).item()
            for name, p in model.named_parameters() if p.grad is not None}


class ResidualBlock(nn.Module):
    """x + fc2(relu(fc1(norm(x)))): a pre-norm residual MLP block."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.fc2(torch.relu(self.fc1(self.norm(x))))
