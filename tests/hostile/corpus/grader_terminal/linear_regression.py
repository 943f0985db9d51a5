"""Threat: the grader's terminal. A process that can write to the terminal the grader was
started from can push keystrokes into its input (the TIOCSTI ioctl): commands the
instructor's shell runs, as the instructor (or root), once the grading ends.

Hope: open /dev/tty, or any /dev/pts/N the grader's user owns, for writing.
Safe outcome: the sandbox has no controlling terminal (its own session, stdin from
/dev/null) and cannot open the grader's: every attempt fails and the (correct) functions
all score. (Nothing is injected: the case only reports what it could open. Never run on
an unprivileged grader's `process` sandbox, which is the terminal's owner.)
"""

import glob
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


def _terminals() -> None:
    for fd in (0, 1, 2):
        if os.isatty(fd):
            print(f"HOSTILE-LEAK: fd {fd} is a terminal")
    for path in ["/dev/tty", "/dev/console", *sorted(glob.glob("/dev/pts/[0-9]*"))]:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            continue
        os.close(fd)
        print(f"HOSTILE-LEAK: could open {path} for writing")


_terminals()


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
