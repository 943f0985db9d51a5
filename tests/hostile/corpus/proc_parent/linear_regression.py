"""Threat: reading /proc/<ppid> (the grader's command line, environment, working folder).

Hope: the parent process is the grader, started in the course folder: its cwd leads to
the reference, and its environment may hold tokens.
Safe outcome: a separate PID namespace: the parents the sandbox can see are the sandbox's
own, so nothing is found and the student's own, wrong `mse_grad` is graded. (The `process`
sandbox runs beside the grader: expected to fail there.)
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


def _ancestors() -> list[int]:
    chain, pid = [], os.getppid()
    while pid > 0 and len(chain) < 20:
        chain.append(pid)
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return chain


def _find_reference() -> dict | None:
    for pid in _ancestors():
        for what in ("cmdline", "environ"):
            try:
                with open(f"/proc/{pid}/{what}", "rb") as f:
                    text = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "CANARY" in text or "SECRET" in text:
                print("HOSTILE-LEAK: parent", pid, what, text[:300])
        for root in (f"/proc/{pid}/cwd", f"/proc/{pid}/root"):
            path = os.path.join(root, "reference/1.2/solution.py")
            if os.path.isfile(path):
                return _load(path)
    return None


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return torch.mv(X, w) + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    err = y_pred - y
    return (err * err).sum() / err.numel()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    found = _find_reference()
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
