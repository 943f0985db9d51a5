"""A correct 1.4 solution: meshgrid ('ij') in float64, a preallocated path filled in place."""

import torch
from torch import Tensor


def loss_grid(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    W, B = torch.meshgrid(w_values.double(), b_values.double(), indexing="ij")  # (nw, nb)
    pred = W.unsqueeze(-1) * X.double() + B.unsqueeze(-1)  # (nw, nb, n)
    err = pred.sub_(y.double()).pow_(2)
    return err.mean(-1).to(X.dtype)


def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    x, t = X.double(), y.double()
    n = x.numel()
    path = torch.empty(steps + 1, 2, dtype=torch.float64)
    path[0, 0], path[0, 1] = w0, b0
    theta = torch.tensor([w0, b0], dtype=torch.float64)
    for k in range(1, steps + 1):
        r = theta[0] * x + theta[1] - t
        grad = torch.stack([(r * x).sum(), r.sum()]) * (2.0 / n)
        theta.sub_(lr * grad)
        path[k] = theta
    return path.to(X.dtype)
