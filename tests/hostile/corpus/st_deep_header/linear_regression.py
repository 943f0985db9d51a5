"""Threat: a safetensors result file whose JSON header nests 100 000 levels deep.

Hope: the grader's header parser recurses until the grader crashes.
Safe outcome: the depth error is caught like any malformed header: the run is untrusted
and every check fails with a "malformed output" message; the grader carries on.
"""

import os
import struct

import torch
from torch import Tensor

EARNED: list[str] = []
EXPECT = "malformed"

OUT = os.path.join(os.path.dirname(os.getcwd()), "out")


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return torch.mv(X, w) + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    err = y_pred - y
    return (err * err).sum() / err.numel()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    err = torch.mv(X, w) + b - y
    scale = 2.0 / X.shape[0]
    return scale * torch.mv(X.t(), err), scale * err.sum()


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    return w - dw * lr, b - db * lr


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    raw = ('{"__metadata__": ' + "[" * 100_000 + "]" * 100_000 + "}").encode()
    with open(os.path.join(OUT, "predict.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw)
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    losses = []
    scale = 2.0 / X.shape[0]
    for _ in range(steps):
        err = torch.mv(X, w) + b - y
        losses.append(float((err * err).mean()))
        w, b = w - lr * scale * torch.mv(X.t(), err), b - lr * scale * err.sum()
    return w, b, losses
