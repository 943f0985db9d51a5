"""sign_error: residual y - y_hat."""
import torch
from torch import Tensor


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return X @ w + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    diff = y_pred - y
    return (diff ** 2).mean()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    n = X.shape[0]
    r = y - predict(X, w, b)
    dw = (2 / n) * X.T @ r
    db = (2 / n) * r.sum()
    return dw, db


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    w_new = w - lr * dw
    b_new = b - lr * db
    return w_new, b_new


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    w = torch.zeros(X.shape[1], dtype=X.dtype)
    b = torch.tensor(0.0, dtype=X.dtype)
    losses = []
    for _ in range(steps):
        y_hat = predict(X, w, b)
        losses.append(mse_loss(y_hat, y).item())
        dw, db = mse_grad(X, y, w, b)
        w, b = gd_step(w, b, dw, db, lr)
    return w, b, losses
