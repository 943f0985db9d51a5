"""Threat: big shared memory (/dev/shm lives in RAM).

Hope: 16 segments of 32 MB, unregistered so that nothing cleans them up, fill the
machine's memory and outlive the run.
Safe outcome: the sandbox's /dev/shm is private and capped (a scratch-size limit), so
`mse_grad` is stopped with a clear message, and nothing is left in the host's /dev/shm.
"""

import itertools
from multiprocessing import resource_tracker, shared_memory

import torch
from torch import Tensor

EARNED = [
    "predict: values",
    "mse_loss: value",
    "gd_step: updated parameters",
    "fit: loss history",
    "fit: w reaches least squares",
    "fit: b reaches least squares",
    "fit: loss never increases",
]
EXPECT = "MB of files|space|SIGBUS|memory|disk"


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return torch.mv(X, w) + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    err = y_pred - y
    return (err * err).sum() / err.numel()


_CALLS = itertools.count()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    call = next(_CALLS)  # every call (each case graded) makes segments of its own
    for i in range(16):  # a shared cache for "parallel" gradients
        seg = shared_memory.SharedMemory(name=f"hostile-shm-{call}-{i}", create=True,
                                         size=32 * 2**20)
        seg.buf[:] = b"x" * seg.size
        resource_tracker.unregister(seg._name, "shared_memory")
        seg.close()
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
