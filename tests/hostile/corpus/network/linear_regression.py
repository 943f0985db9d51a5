"""Threat: the network, including the cloud metadata address 169.254.169.254.

Hope: send the inputs out, fetch answers or credentials from the metadata service.
Safe outcome: no network at all inside the sandbox: every attempt fails at once and the
(correct) functions all score. (The `process` sandbox leaves the network open: expected
to fail there when this machine has a route out.)
"""

import socket

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


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    for host, port in (("169.254.169.254", 80), ("1.1.1.1", 53), ("8.8.8.8", 53)):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((host, port))  # succeeds only with a route out
            print("HOSTILE-LEAK: a route to", host)
        except OSError:
            pass
    try:
        socket.create_connection(("169.254.169.254", 80), timeout=0.5).close()
        print("HOSTILE-LEAK: metadata service reached")
    except OSError:
        pass
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
