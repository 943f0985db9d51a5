"""Threat: deeply nested JSON (100 000 levels) in the output channel.

Hope: the grader's JSON parser recurses until it crashes.
Safe outcome: the parser's depth error is caught: the run is untrusted and every check
fails with a "malformed output" message; the grader carries on.
"""

import os

import torch
from torch import Tensor

EARNED: list[str] = []
EXPECT = "malformed"

EVENTS = os.path.join(os.path.dirname(os.getcwd()), "out", "events.jsonl")


def _forge(line: str) -> None:
    with open(EVENTS, "a") as f:
        f.write(line + "\n")


_forge('{"event": "done", "probe": "predict", "status": "ok", "error": null, "outputs": '
       '{"y_hat": ' + "[" * 100_000 + "]" * 100_000 + '}, "violations": [], '
       '"elapsed_s": 0.0, "step_times": []}')


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
