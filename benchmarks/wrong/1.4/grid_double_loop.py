"""python_double_loop: fills the grid with two loops."""
import torch
from torch import Tensor


def loss_grid(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    G = torch.zeros(len(w_values), len(b_values), dtype=X.dtype)
    for i, w in enumerate(w_values):
        for j, b in enumerate(b_values):
            G[i, j] = torch.mean((w * X + b - y) ** 2)
    return G


def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    w, b = w0, b0
    points = [[w, b]]
    for _ in range(steps):
        err = w * X + b - y
        grad_w = 2 * (err * X).mean()
        grad_b = 2 * err.mean()
        w = w - lr * grad_w.item()
        b = b - lr * grad_b.item()
        points.append([w, b])
    return torch.tensor(points, dtype=X.dtype)
