"""A correct 1.4 solution: the loss expanded into sample moments; the path in Python floats."""

import torch
from torch import Tensor


def loss_grid(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    # mean((w x + b - y)^2) = w^2 <x^2> + b^2 + <y^2> + 2 w b <x> - 2 w <xy> - 2 b <y>
    x, t = X.double(), y.double()
    xx, x1, xy, y1, yy = (x * x).mean(), x.mean(), (x * t).mean(), t.mean(), (t * t).mean()
    w = w_values.double().reshape(-1, 1)
    b = b_values.double().reshape(1, -1)
    grid = w * w * xx + b * b + yy + 2 * w * b * x1 - 2 * w * xy - 2 * b * y1
    return grid.to(X.dtype)


def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    xs = X.double().tolist()
    ys = y.double().tolist()
    n = len(xs)
    w, b = float(w0), float(b0)
    rows = [(w, b)]
    for _ in range(steps):
        dw = db = 0.0
        for xi, yi in zip(xs, ys, strict=True):
            r = w * xi + b - yi
            dw += 2.0 * r * xi / n
            db += 2.0 * r / n
        w, b = w - lr * dw, b - lr * db
        rows.append((w, b))
    return torch.tensor(rows, dtype=X.dtype)
