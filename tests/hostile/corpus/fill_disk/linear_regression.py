"""Threat: filling the disk (files of 32 MB, up to 1.5 GB, in the work folder and $TMPDIR).

Hope: the machine's disk fills up and every later grading (or the grader) fails.
Safe outcome: a scratch-size limit ends the sandbox once its files pass the cap; `gd_step`
is lost with a clear message and the rest scores. (Bounded at 48 files so that a broken
limit cannot fill the test machine.)
"""

import os
import tempfile

import torch
from torch import Tensor

EARNED = [
    "predict: values",
    "mse_loss: value",
    "mse_grad: dw matches autograd",
    "mse_grad: db matches autograd",
    "fit: loss history",
    "fit: w reaches least squares",
    "fit: b reaches least squares",
    "fit: loss never increases",
]
TIME_LIMIT_S = 6
EXPECT = "MB of files|disk|space"


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return torch.mv(X, w) + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    err = y_pred - y
    return (err * err).sum() / err.numel()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    err = torch.mv(X, w) + b - y
    scale = 2.0 / X.shape[0]
    return scale * torch.mv(X.t(), err), scale * err.sum()


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    chunk = os.urandom(2**20) * 32
    for i in range(48):  # checkpoint every step, twice
        folder = "." if i % 2 else tempfile.gettempdir()
        with open(os.path.join(folder, f"checkpoint-{i}.bin"), "wb") as f:
            f.write(chunk)
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
