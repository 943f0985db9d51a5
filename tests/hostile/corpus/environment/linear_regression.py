"""Threat: reading the environment for secrets (tokens, paths to the course, the reference).

Hope: the grader passes its own environment on, with a token or the course's location.
Safe outcome: the sandbox gets a scrubbed environment (PATH, HOME, a few thread settings):
nothing secret is printed, and the (correct) functions all score.
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


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    for key, value in sorted(os.environ.items()):
        print(f"{key}={value}")
        if any(word in key for word in ("SECRET", "TOKEN", "GRADER", "COURSE", "KEY")):
            print("HOSTILE-LEAK: environment has", key)
    with open("/proc/self/environ", "rb") as f:
        if b"CANARY" in f.read():
            print("HOSTILE-LEAK: canary in /proc/self/environ")
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
