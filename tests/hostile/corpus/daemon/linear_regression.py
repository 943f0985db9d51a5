"""Threat: a detached daemon (double fork and setsid) that outlives the grading.

Hope: a process that keeps running after the run, to spy on or disturb later gradings.
Safe outcome: nothing survives the run: the whole sandbox (its process group, PID
namespace or warm worker's subreaper) is killed; the functions outside the lesson's rule
score. Those bound by "no autograd" do not: the file execs another program (os.execv), which
the source scan cannot follow, so they are flagged for review, not accepted. (The daemon
carries the corpus's marker in its argv, and ends by itself after 2 minutes.)
"""

import os
import sys

import torch
from torch import Tensor

EARNED = [
    "predict: values",
    "mse_loss: value",
    "gd_step: updated parameters",
]

SLEEPER = "import time\nfor _ in range(120):\n    time.sleep(1)\n"


def _daemonize() -> None:
    if os.fork():
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, 4096)
    os.execv(sys.executable, [sys.executable, "-c", SLEEPER, "hostile-marker"])


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    if not hasattr(predict, "started"):
        predict.started = True
        _daemonize()
        os.wait()
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
