"""Threat: ignoring SIGTERM (and SIGALRM, SIGINT, SIGXCPU) and cancelling the timer.

Hope: with every polite signal ignored, nothing can stop `fit`.
Safe outcome: the wall-clock limit ends the sandbox with SIGKILL, which cannot be
ignored; `fit` is reported as a timeout and everything before it scores.
"""

import signal
import time

import torch
from torch import Tensor

EARNED = [
    "predict: values",
    "mse_loss: value",
    "mse_grad: dw matches autograd",
    "mse_grad: db matches autograd",
    "gd_step: updated parameters",
]
TIME_LIMIT_S = 2
EXPECT = "time limit|took longer"


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
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGXCPU, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    signal.setitimer(signal.ITIMER_REAL, 0)
    while True:
        time.sleep(0.05)
