"""A correct 1.3 solution that computes in float64, slices with torch.split, and loops rows."""

import torch
from torch import Tensor


def mse_and_grad(X: Tensor, y: Tensor, w: Tensor) -> tuple[float, Tensor]:
    residual = X @ w - y
    return (residual @ residual).item() / X.shape[0], 2.0 / X.shape[0] * (X.T @ residual)


def minibatches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True,
                drop_last: bool = False) -> list[Tensor]:
    if shuffle:
        order = torch.randperm(n, generator=generator)
    else:
        order = torch.arange(n, dtype=torch.int64)
    pieces = list(torch.split(order, batch_size))
    if drop_last and pieces and len(pieces[-1]) < batch_size:
        pieces.pop()
    return pieces


def _run(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int, batch_size: int,
         generator: torch.Generator | None) -> tuple[Tensor, list[float]]:
    X64, y64 = X.double(), y.double()
    w = w0.double()  # a new tensor (w0 is float32) or w0 itself: only updated out of place
    n = X.shape[0]
    history: list[float] = []
    for _ in range(epochs):
        batches = ([torch.arange(n)] if generator is None
                   else minibatches(n, batch_size, generator))
        for idx in batches:
            grad = torch.zeros_like(w)
            total = 0.0
            for i in idx.tolist():  # row by row
                r = float(X64[i] @ w - y64[i])
                total += r * r
                grad += 2.0 * r * X64[i]
            history.append(total / len(idx))
            w = w - lr * grad / len(idx)
    return w.to(X.dtype), history


def batch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float,
             epochs: int) -> tuple[Tensor, list[float]]:
    return _run(X, y, w0, lr, epochs, X.shape[0], None)


def minibatch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int, batch_size: int,
                 generator: torch.Generator) -> tuple[Tensor, list[float]]:
    return _run(X, y, w0, lr, epochs, batch_size, generator)


def sgd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int,
        generator: torch.Generator) -> tuple[Tensor, list[float]]:
    return _run(X, y, w0, lr, epochs, 1, generator)
