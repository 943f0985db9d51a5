"""Threat: NUL bytes, terminal escapes (clear screen, window title, 8-bit CSI), a lone
surrogate and bidi overrides in text the grader shows back (output, error messages,
a failed import's note).

Hope: rewrite the instructor's terminal (hide failures, fake a score line), or crash the
report when it encodes the text.
Safe outcome: text is cleaned before display: no control characters or escapes survive,
the result serialises, `mse_loss` fails with a readable message and the rest scores.
"""

import sys

import torch
from torch import Tensor

EARNED = [
    "predict: values",
    "mse_grad: dw matches autograd",
    "mse_grad: db matches autograd",
    "gd_step: updated parameters",
    "fit: loss history",
    "fit: w reaches least squares",
    "fit: b reaches least squares",
    "fit: loss never increases",
]

NASTY = "\x1b[2J\x1b[H\x1b]0;pwned\x07\x00\x9b31m\u202e\r\x08\x7f SCORE 20/20"
print(NASTY)
print(NASTY, file=sys.stderr)
sys.stdout.buffer.write(b"\x00\xff\xfe\xed\xa0\x80\x1b[31m\n")
sys.stdout.flush()


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return torch.mv(X, w) + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    raise ValueError(NASTY + "\ud800")


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


raise RuntimeError(NASTY + "\udfff")
