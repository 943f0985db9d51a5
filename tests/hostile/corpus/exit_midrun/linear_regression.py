"""Threat: `os._exit(0)` and `sys.exit(0)` in the middle of the run.

Hope: a clean exit code 0 looks like success, and the checks not yet run are skipped as
passed (`os._exit` even skips every clean-up and exception handler).
Safe outcome: an exit code never counts and every expected output must be present:
`predict` and `mse_grad` fail with a clear message ("exited ... in the middle of this
check"), the probes after each exit run again in a fresh sandbox and score.
"""

import os
import sys

import torch
from torch import Tensor

EARNED = [
    "mse_loss: value",
    "gd_step: updated parameters",
    "fit: loss history",
    "fit: w reaches least squares",
    "fit: b reaches least squares",
    "fit: loss never increases",
]
EXPECT = "exited|SystemExit"


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    os._exit(0)


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    err = y_pred - y
    return (err * err).sum() / err.numel()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    sys.exit(0)  # all good, nothing more to see


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
