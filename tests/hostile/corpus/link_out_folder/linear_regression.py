"""Threat: a job renames its own out/ folder (where the grader reads its results) and leaves
a link to a folder of the host in its place, whose events.jsonl holds results of its own.

Hope: the grader follows the link and takes the host file's content for this job's
results (or shows it back in the report).
Safe outcome: the job's folder is read through a directory descriptor, following no link
anywhere in the path: the results are refused as unreadable ("malformed"; 0 points, and
the functions are wrong anyway), and nothing of the host file shows. Where out/ is a
mount point (cold bwrap and docker) the rename fails and the wrong functions score 0.
"""

import os

import torch
from torch import Tensor

EARNED: list[str] = []

BAIT = "/tmp/corpus-bait"  # on the host: made by the test, holding events.jsonl

_job = os.path.dirname(os.getcwd())
try:
    os.rename(os.path.join(_job, "out"), os.path.join(_job, "out-moved"))
    os.symlink(BAIT, os.path.join(_job, "out"))
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
