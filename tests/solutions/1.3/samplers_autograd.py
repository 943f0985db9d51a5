"""A correct 1.3 solution built on torch's BatchSampler, with autograd and in-place updates."""

import math

import torch
from torch import Tensor
from torch.utils.data import BatchSampler, SequentialSampler


def mse_and_grad(X: Tensor, y: Tensor, w: Tensor) -> tuple[float, Tensor]:
    residual = X @ w - y
    return (residual @ residual).item() / X.shape[0], 2.0 / X.shape[0] * (X.T @ residual)


def minibatches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True,
                drop_last: bool = False) -> list[Tensor]:
    # not RandomSampler: after a full pass it draws one more permutation from the generator
    sampler = (torch.randperm(n, generator=generator).tolist() if shuffle
               else SequentialSampler(range(n)))
    return [torch.tensor(b, dtype=torch.int64)
            for b in BatchSampler(sampler, batch_size, drop_last)]


def _descend(X: Tensor, y: Tensor, w0: Tensor, lr: float,
             epoch_batches: list[list[Tensor]]) -> tuple[Tensor, list[float]]:
    w = w0.detach().clone().requires_grad_(True)
    history = []
    for batches in epoch_batches:
        for idx in batches:
            loss = torch.nn.functional.mse_loss(X[idx] @ w, y[idx])
            (grad,) = torch.autograd.grad(loss, w)
            history.append(loss.item())
            with torch.no_grad():
                w.sub_(grad, alpha=lr)
    return w.detach(), history


def batch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float,
             epochs: int) -> tuple[Tensor, list[float]]:
    everything = torch.arange(X.shape[0])
    return _descend(X, y, w0, lr, [[everything]] * epochs)


def minibatch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int, batch_size: int,
                 generator: torch.Generator) -> tuple[Tensor, list[float]]:
    w = w0.detach().clone().requires_grad_(True)
    history: list[float] = []
    n = X.shape[0]
    for _ in range(epochs):
        batches = minibatches(n, batch_size, generator)
        assert len(batches) == math.ceil(n / batch_size)
        w_new, h = _descend(X, y, w.detach(), lr, [batches])
        w = w_new
        history += h
    return w.detach(), history


def sgd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int,
        generator: torch.Generator) -> tuple[Tensor, list[float]]:
    # one example at a time, written out without minibatch_gd
    w = w0.clone()
    history = []
    for _ in range(epochs):
        for i in torch.randperm(X.shape[0], generator=generator).tolist():
            x_i, y_i = X[i], y[i]
            r = torch.dot(x_i, w) - y_i
            history.append(float(r * r))
            w -= lr * 2 * r * x_i
    return w, history
