"""Threat: autograd reached only through strings built at run time: `getattr(torch, "auto" +
"grad")`, `setattr(t, "requires_" + "grad", True)`, grad mode switched on by a computed
name, so no forbidden word appears anywhere in the source.

Hope: a scan for words finds none; the watcher is dodged by taking `grad` from the module
object the string names, not from the patched attribute path it watches.
Safe outcome: a `getattr`/`setattr` with a computed name cannot be followed, so in a lesson
with a rule it fails every rule-bound check (`mse_grad` and `fit`), naming the construct and
its line, and the result is flagged for review; the other checks score.
"""

import torch
from torch import Tensor

EARNED = [
    "predict: values",
    "mse_loss: value",
    "gd_step: updated parameters",
]
EXPECT = "computed name.*review"

_AG = "auto" + "grad"


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return X @ w + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    return ((y_pred - y) ** 2).mean()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    module = getattr(torch, _AG)
    with getattr(torch, "enable_" + "grad")():
        w, b = w.detach().clone(), b.detach().clone()
        setattr(w, "requires_" + "grad", True)
        setattr(b, "requires_" + "grad", True)
        loss = ((X @ w + b - y) ** 2).mean()
        dw, db = module.grad(loss, (w, b))
    return dw.detach(), db.detach()


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
