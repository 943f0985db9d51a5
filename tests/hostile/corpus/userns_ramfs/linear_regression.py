"""Threat: a user namespace of the job's own, to mount a RAM file system (tmpfs) in it and
fill it: memory no limit counts, in a folder no watch sees.

Hope: RAM held outside every limit (here 64 MB, to show it can be done).
Safe outcome: a job can make no user namespace (bwrap: the job's own allows no more;
Docker: seccomp), so the mount never happens and the (correct) functions all score.
"""

import ctypes
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


def _try_ramfs() -> bool:
    """In a fresh child (one thread, as unshare requires): a user and mount namespace, a
    tmpfs, 64 MB written into it."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            uid, gid = os.geteuid(), os.getegid()
            if libc.unshare(0x10000000 | 0x00020000) == 0:  # CLONE_NEWUSER | CLONE_NEWNS
                for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"),
                                   ("gid_map", f"0 {gid} 1")):
                    with open(f"/proc/self/{name}", "w") as f:
                        f.write(text)
                os.makedirs("hostile-ram", exist_ok=True)
                if libc.mount(b"none", b"hostile-ram", b"tmpfs", 0, b"size=128m") == 0:
                    with open("hostile-ram/fill", "wb") as f:
                        f.write(b"x" * (64 * 2**20))
                    code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status == 0


if _try_ramfs():
    print("HOSTILE-LEAK: a tmpfs mounted and filled outside the memory limit")


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
