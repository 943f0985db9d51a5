"""Threat: results whose `__eq__` is always true (an object posing as a tensor, a float
subclass).

Hope: the grader compares with `==` (or `torch.equal` dispatching to the object), which
says yes to anything.
Safe outcome: only plain tensors and numbers of the exact expected types come back from
the sandbox, and comparison happens outside it: `predict` and `mse_loss` fail with a
message naming what was received; the rest scores.
"""

import torch
from torch import Tensor

EARNED = [
    "mse_grad: dw matches autograd",
    "mse_grad: db matches autograd",
    "gd_step: updated parameters",
    "fit: loss history",
    "fit: w reaches least squares",
    "fit: b reaches least squares",
    "fit: loss never increases",
]
EXPECT = "received|expected"


class AlwaysEqual:
    shape = property(lambda self: (0,))
    dtype = torch.float32

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__

    def __len__(self) -> int:
        return 0

    def __float__(self) -> float:
        return 0.0


class Sure(float):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = float.__hash__


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return AlwaysEqual()


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    return Sure(0.0)


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    err = torch.mv(X, w) + b - y
    scale = 2.0 / X.shape[0]
    return scale * torch.mv(X.t(), err), scale * err.sum()


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
