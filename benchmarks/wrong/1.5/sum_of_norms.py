"""relative_error_sum_of_norms: divides by ||a|| + ||b||."""
from collections.abc import Callable

import torch
from torch import Tensor


def numerical_grad(f: Callable[[Tensor], Tensor], x: Tensor, eps: float = 1e-5) -> Tensor:
    xc = x.detach().clone()
    flat = xc.reshape(-1)
    g = torch.zeros(flat.numel(), dtype=x.dtype)
    for i in range(flat.numel()):
        old = flat[i].item()
        flat[i] = old + eps
        fp = f(xc)
        flat[i] = old - eps
        fm = f(xc)
        flat[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g.reshape(x.shape)


def relative_error(a: Tensor, b: Tensor) -> float:
    num = torch.linalg.norm(a - b)
    den = torch.linalg.norm(a).item() + torch.linalg.norm(b).item() + 1e-12
    return num.item() / den


def grad_check(f: Callable[[Tensor], Tensor], x: Tensor) -> float:
    xa = x.detach().clone().requires_grad_(True)
    out = f(xa)
    out.backward()
    analytic = xa.grad
    numeric = numerical_grad(f, x)
    return relative_error(numeric, analytic)
