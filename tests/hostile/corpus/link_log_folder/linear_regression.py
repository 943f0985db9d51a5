"""Threat: a job on a warm worker renames its own log/ folder and leaves a link to a folder
of the host in its place (the grader reads the job's printed output from log/stdout once
the job is over; the test's bait folder holds a file named stdout).

Hope: the grader follows the link, and the host file comes back as this student's output.
Safe outcome: the job's folder is read through a directory descriptor, following no link
anywhere in the path: the output says it could not be read, nothing of the host file shows,
and the (correct) functions all score. (A cold sandbox has no log/: output is a pipe.)
"""

import os

import torch
from torch import Tensor

EARNED = [
    "predict: values",
    "mse_loss: value",
    "mse_grad: dw matches autograd",
    "mse_grad: db matches autograd",
    "gd_step: updated parameters",
    "fit: loss history",
    "fit: w reaches least squares",
    "fit: b reaches least squares",
    "fit: loss never increases",
]

BAIT = "/tmp/corpus-bait"  # on the host: made by the test, holding stdout and stderr

_job = os.path.dirname(os.getcwd())
try:
    os.rename(os.path.join(_job, "log"), os.path.join(_job, "log-moved"))
    os.symlink(BAIT, os.path.join(_job, "log"))
except OSError:
    pass
print("printed by the submission")


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
