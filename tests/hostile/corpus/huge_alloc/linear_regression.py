"""Threat: huge allocations: `bytearray(10**11)`, `torch.empty(10**12)`, and memory that
grows 256 MB at a time until the machine swaps.

Hope: the machine runs out of memory and the grader dies with it.
Safe outcome: the address-space limit (about 2 GB) makes each allocation fail inside the
sandbox: `predict`, `mse_loss` and `gd_step` fail with a clear out-of-memory message and
the rest scores.
"""

import torch
from torch import Tensor

EARNED = [
    "mse_grad: dw matches autograd",
    "mse_grad: db matches autograd",
    "fit: loss history",
    "fit: w reaches least squares",
    "fit: b reaches least squares",
    "fit: loss never increases",
]
EXPECT = "MemoryError|allocate|memory"


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    scratch = bytearray(10**11)  # room for intermediate results
    return torch.mv(X, w) + b + scratch[0]


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    buffer = torch.empty(10**12)
    err = y_pred - y
    return (err * err).mean() + buffer[0] * 0


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    err = torch.mv(X, w) + b - y
    scale = 2.0 / X.shape[0]
    return scale * torch.mv(X.t(), err), scale * err.sum()


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    history = []
    while True:  # keep every intermediate, 256 MB at a time
        history.append(torch.ones(2**26))
    return w - dw * lr, b - db * lr


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    losses = []
    scale = 2.0 / X.shape[0]
    for _ in range(steps):
        err = torch.mv(X, w) + b - y
        losses.append(float((err * err).mean()))
        w, b = w - lr * scale * torch.mv(X.t(), err), b - lr * scale * err.sum()
    return w, b, losses
