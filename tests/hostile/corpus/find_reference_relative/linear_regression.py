"""Threat: looking for the reference solution by relative paths (../reference/1.2/...).

Hope: the grader runs next to the course repository, so the reference is a few folders up;
then `mse_grad` just calls the reference's.
Safe outcome: the reference is not where the sandbox can reach it (not mounted, not near
the work folder): the student's own, wrong `mse_grad` is what gets graded.
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
    with open(path) as f:
        source = f.read()
    print("HOSTILE-LEAK: read the reference at", path)
    print(source)
    namespace: dict = {}
    exec(source, namespace)
    return namespace


def _find_reference() -> dict | None:
    for up in range(9):
        base = os.path.join(*([".."] * up)) if up else "."
        for rel in ("reference/1.2/solution.py", "1.2/solution.py", "solution.py"):
            path = os.path.join(base, rel)
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
