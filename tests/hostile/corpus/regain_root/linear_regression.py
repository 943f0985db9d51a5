"""Threat: running as root, or getting root back: setuid(0), setgid(0), supplementary
groups, capabilities, and the files only root may read or write.

Hope: the grader runs as root (Gradescope does) and so does the submission: then it can
read /etc/shadow and /root, write /etc, and undo any limit.
Safe outcome: student code never runs as root nor holds a capability, on any backend (a
root grader's `process` sandbox switches each job to a user of its own, with no way
back); every attempt fails, nothing is printed, and the (correct) functions all score.
"""

import os
import sys

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


def _try(what: str, fn) -> None:  # noqa: ANN001
    try:
        fn()
    except (OSError, ValueError):
        return
    print(f"HOSTILE-LEAK: {what} worked")


def _capabilities() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return 0


def _root_home() -> None:
    """/root's own files (a sandbox may show the way to a Python installed there, no more)."""
    needed = [os.path.realpath(p) for p in (os.__file__, torch.__file__, sys.prefix,
                                            sys.base_prefix, sys.executable)]
    try:
        found = [e for e in os.listdir("/root")
                 if not any(p.startswith(os.path.join("/root", e) + "/") for p in needed)]
    except OSError:
        return
    if found:
        print(f"HOSTILE-LEAK: /root holds {found[:5]}")


def _attempts() -> None:
    if os.geteuid() == 0 or os.getuid() == 0:
        print("HOSTILE-LEAK: running as root")
    if _capabilities():
        print(f"HOSTILE-LEAK: capabilities {_capabilities():x}")
    _try("setuid(0)", lambda: os.setuid(0))
    _try("setresuid(0)", lambda: os.setresuid(0, 0, 0))
    _try("setgid(0)", lambda: os.setgid(0))
    _try("setgroups([0])", lambda: os.setgroups([0]))
    _try("reading /etc/shadow", lambda: open("/etc/shadow").read())
    _root_home()
    _try("writing /etc", lambda: open("/etc/hostile-root", "x").close())
    _try("writing /usr/local", lambda: open("/usr/local/hostile-root", "x").close())


_attempts()


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
