"""Threat: a `drop_last` off-by-one that shows only when batch_size divides n: the last
batch is dropped whether or not it is partial.

Hope: inputs drawn fresh every run never have a batch size that divides n (the spec makes
sure the last batch is partial, to catch the opposite mistake), so the slip scores 28/28.
Safe outcome: every grading also runs the boundary cases the spec names (a batch size that
divides n, batches of one): the drop_last check fails and says which case; the rest scores.
"""

import torch
from torch import Tensor

EARNED = [
    "minibatches: shuffled index order",
    "minibatches: order without shuffling",
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
EXPECT = "boundary case 'batch_size divides n'"


def minibatches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True,
                drop_last: bool = False) -> list[Tensor]:
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    batches = [order[start:start + batch_size] for start in range(0, n, batch_size)]
    if drop_last:
        batches = batches[:-1]  # "the last batch is the short one"
    return batches


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
