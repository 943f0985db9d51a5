"""Threat: pre-writing the result files: a FIFO where a probe's tensors will be written,
and a symlink in place of another.

Hope: the harness (or the grader) opens the FIFO and blocks forever, or follows the link.
Safe outcome: results are written to fresh files that replace whatever was there, and
the grader opens only regular files without following links: the (correct) functions
all score, quickly.
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

OUT = os.path.join(os.path.dirname(os.getcwd()), "out")
for _probe in ("predict", "grad", "fit"):
    os.mkfifo(os.path.join(OUT, f"{_probe}.safetensors"))
with open("decoy", "w") as _f:
    _f.write("decoy")
os.symlink(os.path.abspath("decoy"), os.path.join(OUT, "loss.safetensors"))


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
