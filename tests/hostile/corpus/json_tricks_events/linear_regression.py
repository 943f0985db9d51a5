"""Threat: JSON tricks in the output channel: NaN and Infinity (not JSON, but Python's
parser takes them) and duplicate keys (`"status": "error", "status": "ok"`).

Hope: a NaN slips into the comparisons or reports, or the validator reads the first key
and the consumer the last.
Safe outcome: non-finite constants and duplicate keys are refused outright: the run is
untrusted and every check fails with a "malformed output" message.
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


_forge('{"event": "done", "probe": "predict", "status": "error", "status": "ok", '
       '"error": null, "outputs": {}, "violations": [], "elapsed_s": NaN, "step_times": []}')
_forge('{"event": "loaded", "ok": true, "errors": [], "elapsed_s": Infinity}')


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
