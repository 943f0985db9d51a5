"""gradient_missing_factor_two: gradients without the 2."""
import torch
from torch import Tensor


def loss_grid(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    W, B = torch.meshgrid(w_values, b_values, indexing="ij")
    preds = W[:, :, None] * X[None, None, :] + B[:, :, None]
    return ((preds - y) ** 2).mean(dim=2)


def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    w, b = w0, b0
    points = [[w, b]]
    for _ in range(steps):
        err = w * X + b - y
        grad_w = (err * X).mean()
        grad_b = err.mean()
        w = w - lr * grad_w.item()
        b = b - lr * grad_b.item()
        points.append([w, b])
    return torch.tensor(points, dtype=X.dtype)
