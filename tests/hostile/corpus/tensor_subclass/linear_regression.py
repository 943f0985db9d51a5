"""Threat: a tensor subclass overriding `__torch_function__` (every comparison says "close"),
and a meta tensor (a shape with no data).

Hope: the grader's `allclose` on my tensor runs my override and passes wrong values.
Safe outcome: only exact `torch.Tensor` objects with real data are accepted and compared
outside the sandbox: `predict` and `gd_step` fail with a clear message; the rest scores.
"""

import torch
from torch import Tensor

EARNED = [
    "mse_loss: value",
    "mse_grad: dw matches autograd",
    "mse_grad: db matches autograd",
    "fit: loss history",
    "fit: w reaches least squares",
    "fit: b reaches least squares",
    "fit: loss never increases",
]
EXPECT = "received|expected|meta"


class Liar(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in ("allclose", "equal", "isclose", "eq", "__eq__", "assert_close"):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return torch.empty(X.shape[0], device="meta")


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    err = y_pred - y
    return (err * err).sum() / err.numel()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    err = torch.mv(X, w) + b - y
    scale = 2.0 / X.shape[0]
    return scale * torch.mv(X.t(), err), scale * err.sum()


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    return torch.zeros_like(w).as_subclass(Liar), torch.zeros_like(b).as_subclass(Liar)


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
