"""Reference solution for lesson 1.2: linear regression by hand (hidden from students)."""

import torch
from torch import Tensor


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """y_hat = X w + b, shape (n,)."""
    return X @ w + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    """Mean squared error, a 0-dim tensor."""
    return ((y_pred - y) ** 2).mean()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Analytic gradients of the MSE with respect to w (d,) and b (0-dim)."""
    residual = predict(X, w, b) - y  # (n,)
    n = X.shape[0]
    dw = 2.0 / n * (X.T @ residual)
    db = 2.0 * residual.mean()
    return dw, db


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    """One gradient-descent step; returns new tensors."""
    return w - lr * dw, b - lr * db


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    """Gradient descent from w = 0, b = 0; losses[i] is the loss before step i."""
    w = torch.zeros(X.shape[1], dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    losses: list[float] = []
    for _ in range(steps):
        losses.append(mse_loss(predict(X, w, b), y).item())
        dw, db = mse_grad(X, y, w, b)
        w, b = gd_step(w, b, dw, db, lr)
    return w, b, losses


# ---- oracles used by the grading spec (not part of the exercise) ----

def mse_grad_autograd(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """The same gradients by autograd, the oracle for the gradient checks."""
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    loss = ((X @ w + b - y) ** 2).mean()
    dw, db = torch.autograd.grad(loss, (w, b))
    return dw, db


def least_squares(X: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """The closed-form minimiser (float64), where gradient descent must arrive."""
    X64 = torch.cat([X.double(), torch.ones(X.shape[0], 1, dtype=torch.float64)], dim=1)
    theta = torch.linalg.lstsq(X64, y.double().unsqueeze(1)).solution.squeeze(1)
    return theta[:-1], theta[-1]
