"""Reference solution for lesson 1.3: batch, stochastic and mini-batch gradient descent."""

import torch
from torch import Tensor


def minibatches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True,
                drop_last: bool = False) -> list[Tensor]:
    """Split range(n) into int64 index batches, in randperm order when shuffling."""
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    # with drop_last, stop before the final partial batch (if there is one)
    stop = n - n % batch_size if drop_last else n
    return [order[start:start + batch_size] for start in range(0, stop, batch_size)]


def mse_and_grad(X: Tensor, y: Tensor, w: Tensor) -> tuple[float, Tensor]:
    """The batch loss (1/|B|) ||X w - y||^2 as a float, and its gradient (2/|B|) X^T (X w - y)."""
    residual = X @ w - y
    return (residual @ residual).item() / X.shape[0], 2.0 / X.shape[0] * (X.T @ residual)


def batch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float,
             epochs: int) -> tuple[Tensor, list[float]]:
    """One update per epoch on the full data set; history[t] is the loss before update t."""
    w = w0.clone()  # a new tensor: the caller's w0 stays as it was
    history: list[float] = []
    for _ in range(epochs):
        loss, grad = mse_and_grad(X, y, w)
        history.append(loss)
        w = w - lr * grad
    return w, history


def minibatch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int, batch_size: int,
                 generator: torch.Generator) -> tuple[Tensor, list[float]]:
    """One update per mini-batch, reshuffled every epoch; history holds each batch's loss."""
    w = w0.clone()
    history: list[float] = []
    for _ in range(epochs):
        # a fresh order every epoch, drawn from the same generator, so runs are reproducible
        for idx in minibatches(X.shape[0], batch_size, generator):
            loss, grad = mse_and_grad(X[idx], y[idx], w)
            history.append(loss)
            w = w - lr * grad
    return w, history


def sgd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int,
        generator: torch.Generator) -> tuple[Tensor, list[float]]:
    """Stochastic gradient descent: mini-batch gradient descent with batches of one example."""
    return minibatch_gd(X, y, w0, lr, epochs, 1, generator)
