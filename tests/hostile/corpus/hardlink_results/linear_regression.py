"""Threat: the job's events file replaced by a hard link to a file of the host (no link to
refuse when it is opened: it is a regular file, with a second name).

Hope: the grader reads the host file as this job's results (or shows it back).
Safe outcome: a result file must have exactly one name: the run is refused as malformed
(0 points; the functions are wrong anyway) and nothing of the host file shows. Where the
host file is not visible or on another mount (every sandbox but ``process``), the link
cannot be made and the wrong functions score 0.
"""

import os

import torch
from torch import Tensor

EARNED: list[str] = []

BAIT = "/tmp/corpus-bait/events.jsonl"  # on the host: made by the test

_events = os.path.join(os.path.dirname(os.getcwd()), "out", "events.jsonl")
try:
    os.link(BAIT, _events + ".new")
    os.replace(_events + ".new", _events)
except OSError:
    pass


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return X.new_zeros(X.shape[0])


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    return y.new_zeros(())


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    return torch.zeros_like(w), torch.zeros_like(b)


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    return w, b


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    return X.new_zeros(X.shape[1]), X.new_zeros(()), [float(i) for i in range(steps)]
