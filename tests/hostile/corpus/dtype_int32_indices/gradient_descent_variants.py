"""Threat: index batches returned as int32, which the exercise text rules out ("int64 index
tensors"), and which compare equal to int64 ones value by value.

Hope: index orders are compared as numbers, so int32 passes wherever int64 is asked for.
Safe outcome: a dtype the text specifies is checked: int32 keeps less than the expected
int64, so the three index-order checks fail as a dtype problem; everything else (the
reproducibility check compares the student's two orders with each other, and the
trajectories use the indices only to index) scores.
"""

import torch
from torch import Tensor

EARNED = [
    "minibatches: same seed, same order",
    "batch_gd: one update per epoch",
    "batch_gd: loss history",
    "batch_gd: final weights",
    "sgd: n updates per epoch",
    "sgd: loss history",
    "sgd: final weights",
    "minibatch_gd: ceil(n / batch_size) updates per epoch",
    "minibatch_gd: loss history",
    "minibatch_gd: final weights",
    "minibatch_gd: same seed, same trajectory",
    "minibatch_gd: leaves w0 unchanged",
    "batch_gd: leaves w0 unchanged",
    "sgd: leaves w0 unchanged",
]
EXPECT = "int32"


def minibatches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True,
                drop_last: bool = False) -> list[Tensor]:
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    order = order.to(torch.int32)  # "smaller is faster"
    stop = n - n % batch_size if drop_last else n
    return [order[start:start + batch_size] for start in range(0, stop, batch_size)]


def mse_and_grad(X: Tensor, y: Tensor, w: Tensor) -> tuple[float, Tensor]:
    residual = X @ w - y
    return (residual @ residual).item() / X.shape[0], 2.0 / X.shape[0] * (X.T @ residual)


def batch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float,
             epochs: int) -> tuple[Tensor, list[float]]:
    w = w0.clone()
    history: list[float] = []
    for _ in range(epochs):
        loss, grad = mse_and_grad(X, y, w)
        history.append(loss)
        w = w - lr * grad
    return w, history


def minibatch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int, batch_size: int,
                 generator: torch.Generator) -> tuple[Tensor, list[float]]:
    w = w0.clone()
    history: list[float] = []
    for _ in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, generator):
            loss, grad = mse_and_grad(X[idx], y[idx], w)
            history.append(loss)
            w = w - lr * grad
    return w, history


def sgd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int,
        generator: torch.Generator) -> tuple[Tensor, list[float]]:
    return minibatch_gd(X, y, w0, lr, epochs, 1, generator)
