"""Reference solution for lesson 1.4: visualizing the loss landscape (hidden from students)."""

import torch
from torch import Tensor


def loss_grid(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    """MSE of y ~ w x + b at every (w, b) pair; result[i, j] is for (w_values[i], b_values[j])."""
    W = w_values[:, None, None]  # (nw, 1, 1)
    B = b_values[None, :, None]  # (1, nb, 1)
    residual = W * X + B - y  # (nw, nb, n) by broadcasting
    return (residual**2).mean(dim=-1)  # (nw, nb)


def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    """The (steps + 1, 2) trajectory of (w, b) under gradient descent, the start included."""
    w = torch.tensor(w0, dtype=X.dtype)
    b = torch.tensor(b0, dtype=X.dtype)
    path = [torch.stack([w, b])]
    for _ in range(steps):
        residual = w * X + b - y
        dw = 2.0 * (residual * X).mean()
        db = 2.0 * residual.mean()
        w, b = w - lr * dw, b - lr * db
        path.append(torch.stack([w, b]))
    return torch.stack(path)
