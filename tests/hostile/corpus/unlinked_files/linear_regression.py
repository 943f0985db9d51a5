"""Threat: filling the disk with files deleted but kept open (32 MB each, up to 1.25 GB):
no folder lists them, so a scan of the work folder sees nothing.

Hope: slip past a scratch-size limit that only walks folders.
Safe outcome: the files the sandbox's processes hold open count too: `gd_step` is stopped
with a clear message once they pass the cap, and the rest scores. (Bounded at 40 files so
that a broken limit cannot fill the test machine.)
"""

import os

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
    buffers = []
    for i in range(40):  # scratch buffers that nobody else should see
        f = open(f"buffer-{i}.bin", "w+b")
        f.write(chunk)
        f.flush()
        os.unlink(f.name)
        buffers.append(f)
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
