"""Threat: a gradient that is right for every number of features but one: `squeeze()` turns
dw of shape (1,) into a 0-dim tensor when there is a single feature.

Hope: the number of features is drawn at random and is rarely 1, so the slip usually
scores full marks.
Safe outcome: every grading also runs the "one feature" boundary case: the dw check fails
there, saying which case (and the known mistake is named); the rest scores.
"""

from torch import Tensor

EARNED = [
    "predict: values",
    "mse_loss: value",
    "mse_grad: db matches autograd",
    "gd_step: updated parameters",
    "fit: loss history",
    "fit: w reaches least squares",
    "fit: b reaches least squares",
    "fit: loss never increases",
]
EXPECT = "boundary case 'one feature'"


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return X @ w + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    return ((y_pred - y) ** 2).mean()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    r = (X @ w + b - y).unsqueeze(1)  # a column, (n, 1)
    dw = (2.0 / len(y) * X.T @ r).squeeze()  # (d,) ... or () when d == 1
    return dw, 2.0 * r.mean()


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    return w - lr * dw, b - lr * db


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    losses = []
    for _ in range(steps):
        losses.append(float(mse_loss(predict(X, w, b), y)))
        dw, db = mse_grad(X, y, w, b)
        w, b = w - lr * dw, b - lr * db
    return w, b, losses
