"""Threat: a pickle (with a code-running payload) written over a probe's result file,
out/predict.safetensors, after the harness wrote it.

Hope: the grader falls back to `torch.load` when the file is not valid safetensors.
Safe outcome: no fallback: the file fails the safetensors header check, the run is
untrusted, every check fails with a "malformed output" message, and the payload never
runs.
"""

import os

import torch
from torch import Tensor

EARNED: list[str] = []
EXPECT = "malformed"


class Payload:
    """Unpickling this runs a shell command (if anyone ever unpickles it)."""

    def __reduce__(self) -> tuple:
        return (os.system, ("touch /tmp/hostile-pickle-ran",))


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
    torch.save({"predict/y_hat": Payload()}, os.path.join(OUT, "predict.safetensors"))
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    losses = []
    scale = 2.0 / X.shape[0]
    for _ in range(steps):
        err = torch.mv(X, w) + b - y
        losses.append(float((err * err).mean()))
        w, b = w - lr * scale * torch.mv(X.t(), err), b - lr * scale * err.sum()
    return w, b, losses
