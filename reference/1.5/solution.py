"""Reference solution for lesson 1.5: numerical vs analytical gradients (hidden from students)."""

from collections.abc import Callable

import torch
from torch import Tensor


def numerical_grad(f: Callable[[Tensor], Tensor], x: Tensor, eps: float = 1e-5) -> Tensor:
    """Central differences: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every entry i."""
    x_work = x.detach().contiguous().clone()  # a private copy: the caller's x never changes
    flat = x_work.view(-1)
    grad = torch.zeros_like(x_work)
    grad_flat = grad.view(-1)
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + eps
        f_plus = f(x_work).item()
        flat[i] = original - eps
        f_minus = f(x_work).item()
        flat[i] = original  # restore before moving to the next entry
        grad_flat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: Tensor, b: Tensor) -> float:
    """||a - b|| / max(||a||, ||b||, 1e-12): symmetric, and 0 when both are zero."""
    denominator = max(a.norm().item(), b.norm().item(), 1e-12)
    return (a - b).norm().item() / denominator


def grad_check(f: Callable[[Tensor], Tensor], x: Tensor) -> float:
    """Relative error between the numerical gradient and autograd's gradient of f at x."""
    x_leaf = x.detach().clone().requires_grad_(True)
    (analytic,) = torch.autograd.grad(f(x_leaf), x_leaf)
    numeric = numerical_grad(f, x)
    return relative_error(numeric, analytic)
