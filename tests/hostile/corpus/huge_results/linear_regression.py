"""Threat: results far larger than any exercise needs: a 36 MB tensor for a prediction of a
few dozen values, and a list of 100 001 numbers for a single loss.

Hope: the grader takes whatever comes back and holds it (and computes with it), however big.
Safe outcome: the harness refuses results over the caps the grader would enforce anyway,
with a message, for those two probes only; the trusted side budgets what a run brings back
before decoding it. The other (correct) functions score.
"""

import torch
from torch import Tensor

EARNED = [
    "mse_grad: dw matches autograd",
    "mse_grad: db matches autograd",
    "gd_step: updated parameters",
    "fit: loss history",
    "fit: w reaches least squares",
    "fit: b reaches least squares",
    "fit: loss never increases",
]
EXPECT = "larger than|more than 100000"


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return torch.zeros(9_000_000)


def mse_loss(y_pred: Tensor, y: Tensor) -> list[float]:
    return [0.0] * 100_001


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    err = torch.mv(X, w) + b - y
    scale = 2.0 / X.shape[0]
    return scale * torch.mv(X.t(), err), scale * err.sum()


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
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
