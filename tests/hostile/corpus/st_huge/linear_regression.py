"""Threat: safetensors result files that claim huge sizes: a shape of 2**40 elements, a
header length of 2**62 bytes, and a 60 MB sparse file.

Hope: the grader allocates what the header claims and runs out of memory.
Safe outcome: sizes and shapes are checked against the file before anything is
allocated: the run is untrusted and every check fails with a "malformed output" message.
"""

import json
import os
import struct

import torch
from torch import Tensor

EARNED: list[str] = []
EXPECT = "malformed"

OUT = os.path.join(os.path.dirname(os.getcwd()), "out")


def _write(name: str, header: object, body: bytes = b"") -> None:
    raw = json.dumps(header).encode()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + body)


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
    _write("predict.safetensors",
           {"predict/y_hat": {"dtype": "F64", "shape": [2**20, 2**20], "data_offsets": [0, 8]}},
           bytes(8))
    with open(os.path.join(OUT, "loss.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 2**62))
        f.truncate(60 * 2**20)
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    losses = []
    scale = 2.0 / X.shape[0]
    for _ in range(steps):
        err = torch.mv(X, w) + b - y
        losses.append(float((err * err).mean()))
        w, b = w - lr * scale * torch.mv(X.t(), err), b - lr * scale * err.sum()
    return w, b, losses
