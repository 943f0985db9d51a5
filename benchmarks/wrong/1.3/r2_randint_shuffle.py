"""none: draws indices with randint (repeats possible)."""
import torch
from torch import Tensor


def mse_and_grad(X: Tensor, y: Tensor, w: Tensor) -> tuple[float, Tensor]:
    """The batch loss (1/|B|) ||X w - y||^2 as a float, and its gradient (2/|B|) X^T (X w - y)."""
    residual = X @ w - y
    return (residual @ residual).item() / X.shape[0], 2.0 / X.shape[0] * (X.T @ residual)


def minibatches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True,
                drop_last: bool = False) -> list[Tensor]:
    if shuffle:
        perm = torch.randint(0, n, (n,), generator=generator)
    else:
        perm = torch.arange(n)
    batches = []
    for i in range(0, n, batch_size):
        idx = perm[i:i + batch_size]
        if drop_last and len(idx) < batch_size:
            break
        batches.append(idx)
    return batches


def batch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float,
             epochs: int) -> tuple[Tensor, list[float]]:
    w = w0.clone()
    history = []
    for _ in range(epochs):
        loss, grad = mse_and_grad(X, y, w)
        history.append(loss)
        w = w - lr * grad
    return w, history


def minibatch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int, batch_size: int,
                 generator: torch.Generator) -> tuple[Tensor, list[float]]:
    w = w0.clone()
    history = []
    n = X.shape[0]
    for _ in range(epochs):
        for idx in minibatches(n, batch_size, generator):
            loss, grad = mse_and_grad(X[idx], y[idx], w)
            history.append(loss)
            w = w - lr * grad
    return w, history


def sgd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int,
        generator: torch.Generator) -> tuple[Tensor, list[float]]:
    return minibatch_gd(X, y, w0, lr, epochs, 1, generator)
