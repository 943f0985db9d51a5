"""x_not_restored: perturbs x itself and never restores it."""
from collections.abc import Callable

import torch
from torch import Tensor


def numerical_grad(f: Callable[[Tensor], Tensor], x: Tensor, eps: float = 1e-5) -> Tensor:
    flat = x.view(-1)
    g = torch.zeros(flat.numel(), dtype=x.dtype)
    for i in range(flat.numel()):
        flat[i] += eps
        fp = f(x)
        flat[i] -= 2 * eps
        fm = f(x)
        g[i] = (fp - fm) / (2 * eps)
    return g.reshape(x.shape)


def relative_error(a: Tensor, b: Tensor) -> float:
    num = torch.linalg.norm(a - b)
    den = max(torch.linalg.norm(a).item(), torch.linalg.norm(b).item(), 1e-12)
    return num.item() / den


def grad_check(f: Callable[[Tensor], Tensor], x: Tensor) -> float:
    xa = x.detach().clone().requires_grad_(True)
    out = f(xa)
    out.backward()
    analytic = xa.grad
    numeric = numerical_grad(f, x)
    return relative_error(numeric, analytic)
