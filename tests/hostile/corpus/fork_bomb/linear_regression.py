"""Threat: a fork bomb.

Hope: 2**8 copies of the process exhaust the machine's process table and memory.
Safe outcome: the process limit stops the copies (forks fail, or the sandbox is ended as
soon as it holds too many processes); `gd_step` is lost with a clear message, nothing
survives the run, and the other checks score. (Bounded at 2**8 copies, each ending after
30 s, so that a broken limit cannot take the test machine down.)
"""

import os
import time

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
TIME_LIMIT_S = 4
EXPECT = "process|fork|Resource temporarily unavailable"


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
    me = os.getpid()
    for _ in range(8):  # more workers, faster descent
        os.fork()
    if os.getpid() != me:
        open(f"worker-{os.getpid()}", "w").close()
        time.sleep(30)
        os._exit(0)
    time.sleep(2)
    copies = sum(name.startswith("worker-") for name in os.listdir("."))
    if copies > 64:
        print(f"HOSTILE-LEAK: {copies} processes were running at once")
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
