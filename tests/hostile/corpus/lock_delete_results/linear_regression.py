"""Threat: tampering with result files after they were written: locking the event log,
swapping a probe's tensors for a FIFO, deleting another, making a third unreadable.

Hope: the grader blocks on the lock or the FIFO, or crashes on a missing file.
Safe outcome: the grader takes no locks and opens only regular files, without blocking:
the FIFO is malformed output, so the run is untrusted and every check fails with a clear
message, quickly.
"""

import fcntl
import os

import torch
from torch import Tensor

EARNED: list[str] = []
EXPECT = "malformed"


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
    out = os.path.join(os.path.dirname(os.getcwd()), "out")
    fit.lock = open(os.path.join(out, "events.jsonl"))
    fcntl.flock(fit.lock, fcntl.LOCK_EX)
    os.remove(os.path.join(out, "predict.safetensors"))
    os.mkfifo(os.path.join(out, "predict.safetensors"))
    os.remove(os.path.join(out, "loss.safetensors"))
    os.chmod(os.path.join(out, "grad.safetensors"), 0)
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    losses = []
    scale = 2.0 / X.shape[0]
    for _ in range(steps):
        err = torch.mv(X, w) + b - y
        losses.append(float((err * err).mean()))
        w, b = w - lr * scale * torch.mv(X.t(), err), b - lr * scale * err.sum()
    return w, b, losses
