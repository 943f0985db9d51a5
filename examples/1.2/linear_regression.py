"""An example submission for lesson 1.2, written the way a student might (not the reference).

It works in float64 internally and uses explicit sums, so it also shows that correct code
written differently gets full marks.
"""

import torch
from torch import Tensor


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return torch.mv(X, w) + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    diff = y_pred - y
    return torch.dot(diff, diff) / diff.numel()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    n = X.shape[0]
    r = (predict(X.double(), w.double(), b.double()) - y.double())
    dw = (2.0 / n) * torch.einsum("nd,n->d", X.double(), r)
    db = (2.0 / n) * r.sum()
    return dw.to(w.dtype), db.to(b.dtype)


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    w = w.clone()
    b = b.clone()
    w.sub_(lr * dw)
    b.sub_(lr * db)
    return w, b


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    history = []
    for _ in range(steps):
        history.append(float(mse_loss(predict(X, w, b), y)))
        w, b = gd_step(w, b, *mse_grad(X, y, w, b), lr)
    return w, b, history
