"""Threat: values 1% wrong, returned as bfloat16 so that the comparison picks bfloat16's
tolerance (1.6% relative) instead of float32's.

Hope: the grader's default tolerance follows the coarser of the two dtypes, so predictions,
the loss and the updated parameters 1% off all pass.
Safe outcome: tolerances come from the expected (reference's) dtype; a result that keeps
less precision than float32 fails as a dtype problem ("keeps less precision"): those three
checks fail, the honest ones score.
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
EXPECT = "bfloat16.*less precision"


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return ((X @ w + b) * 1.01).to(torch.bfloat16)


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    return (((y_pred - y) ** 2).mean() * 1.01).to(torch.bfloat16)


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    r = X @ w + b - y
    return 2.0 * X.T @ r / len(y), 2.0 * r.mean()


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    return (w - lr * dw * 1.01).to(torch.bfloat16), (b - lr * db * 1.01).to(torch.bfloat16)


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    losses = []
    for _ in range(steps):
        r = X @ w + b - y
        losses.append(float((r * r).mean()))
        w, b = w - lr * 2.0 * (X.T @ r) / len(y), b - lr * 2.0 * r.mean()
    return w, b, losses
