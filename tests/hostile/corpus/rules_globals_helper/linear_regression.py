"""Threat: the autograd helper is looked up in `globals()` under a built name, so the
graded function never names it, and the helper keeps autograd's functions from import time.

Hope: the scan follows the names `mse_grad` uses, and `globals()["_" + "helper"]` names
none; the watcher never sees the original functions it patches.
Safe outcome: `globals()` cannot be followed: every rule-bound check fails, naming
`globals` and its line, and the result is flagged for review; the other checks score.
"""

import torch
from torch import Tensor

EARNED = [
    "predict: values",
    "mse_loss: value",
    "gd_step: updated parameters",
]
EXPECT = "`globals`.*review"

_g, _on = torch.autograd.grad, torch.enable_grad


def _helper(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    with _on():
        w = w.detach().clone().requires_grad_(True)
        b = b.detach().clone().requires_grad_(True)
        return tuple(t.detach() for t in _g(((X @ w + b - y) ** 2).mean(), (w, b)))


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return X @ w + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    return ((y_pred - y) ** 2).mean()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    return globals()["_" + "helper"](X, y, w, b)


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    return w - lr * dw, b - lr * db


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    losses = []
    for _ in range(steps):
        losses.append(float(((X @ w + b - y) ** 2).mean()))
        dw, db = mse_grad(X, y, w, b)
        w, b = w - lr * dw, b - lr * db
    return w, b, losses
