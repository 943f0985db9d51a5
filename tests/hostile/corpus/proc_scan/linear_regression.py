"""Threat: reading every process in /proc, not just the parents: environments (tokens),
working folders and open files of the grader, its workers and other gradings running at
the same time (whose folders hold their inputs and outputs).

Hope: the grader's environment holds a secret and its working folder leads to the
reference; a neighbour's work folder holds answers to copy.
Safe outcome: a separate PID namespace shows only the sandbox's own processes, and as a
user of its own the sandbox cannot read other processes' environments, folders or open
files: nothing is found and the student's own, wrong `mse_grad` is graded. (The `process`
sandbox of an unprivileged grader runs beside the grader: expected to fail there.)
"""

import os

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


def _load(path: str) -> dict:
    """Print the reference (its canary shows the leak) and take its `mse_grad` out of the
    text: compiling it here would be code the lesson's static rule cannot follow."""
    with open(path) as f:
        source = f.read()
    print("HOSTILE-LEAK: read the reference at", path)
    print(source)
    return {"mse_grad": _leaked_grad} if "def mse_grad" in source else {}


def _leaked_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    err = torch.mv(X, w) + b - y  # what the reference does, once read
    scale = 2.0 / X.shape[0]
    return scale * torch.mv(X.t(), err), scale * err.sum()


def _scan() -> dict | None:
    me = os.getpid()
    for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
        if pid == me:
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read()
            if b"CANARY" in env or b"SECRET" in env:
                print("HOSTILE-LEAK: a secret in the environment of", pid)
        except OSError:
            pass
        for link in ("cwd", "root"):
            path = os.path.join(f"/proc/{pid}/{link}", "reference/1.2/solution.py")
            try:
                if os.path.isfile(path):
                    return _load(path)
            except OSError:
                continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.endswith("solution.py") and os.path.isfile(target):
                return _load(target)
    return None


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return torch.mv(X, w) + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    err = y_pred - y
    return (err * err).sum() / err.numel()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    found = _scan()
    if found:
        return found["mse_grad"](X, y, w, b)
    err = torch.mv(X, w) + b - y  # my own attempt (the factor 2 is missing)
    return torch.mv(X.t(), err) / X.shape[0], err.mean()


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
