"""Threat: leaving state in /tmp, /dev/shm, $HOME or the work folder's parents for the next
run (and overwriting files found there).

Hope: the next submission graded on the same machine or warm worker finds the files
(answers to copy, or traps), and other files in /tmp can be changed.
Safe outcome: every run gets fresh, private scratch folders, wiped after it; the host's
/tmp is untouched; the clean submission graded next finds nothing. (The `process` sandbox
shares the machine's /tmp: expected to fail there.)
"""

import glob
import os

import torch
from torch import Tensor

EARNED = [
    "predict: values",
    "mse_loss: value",
    "mse_grad: dw matches autograd",
    "mse_grad: db matches autograd",
    "gd_step: updated parameters",
    "fit: loss history",
    "fit: w reaches least squares",
    "fit: b reaches least squares",
    "fit: loss never increases",
]


def _stash() -> None:
    home = os.getcwd()
    places = ["/tmp", "/dev/shm", "/var/tmp", os.environ.get("TMPDIR", "/tmp"),
              os.environ.get("HOME", home), home, os.path.dirname(home),
              os.path.dirname(os.path.dirname(home))]
    for place in dict.fromkeys(places):
        try:
            with open(os.path.join(place, "hostile-state"), "w") as f:
                f.write("w = [1.0, -2.0, 0.5]\n")
        except OSError:
            pass
    for path in glob.glob("/tmp/corpus-sentinel*") + glob.glob("/tmp/*/corpus-sentinel*"):
        try:
            with open(path, "w") as f:
                f.write("changed by a submission")
        except OSError:
            pass


_stash()


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
