"""Threat: flooding the event channel with a hundred thousand well-formed events, under the
size cap of the events file.

Hope: the grader parses and keeps every one of them (a model object each), or a forged
event among them is taken for a result.
Safe outcome: no plan makes more than a few events per probe: past a cap the events are
refused as malformed, 0 points, and the grader carries on.
"""

import json
import os

import torch
from torch import Tensor

EARNED: list[str] = []
EXPECT = "malformed"

_events = os.path.join(os.path.dirname(os.getcwd()), "out", "events.jsonl")
with open(_events, "a") as _f:
    _f.write((json.dumps({"event": "start", "probe": "predict"}) + "\n") * 100_000)


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
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    losses = []
    scale = 2.0 / X.shape[0]
    for _ in range(steps):
        err = torch.mv(X, w) + b - y
        losses.append(float((err * err).mean()))
        w, b = w - lr * scale * torch.mv(X.t(), err), b - lr * scale * err.sum()
    return w, b, losses
