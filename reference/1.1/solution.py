"""Reference solution for lesson 1.1: the training loop (hidden from students)."""

from collections.abc import Callable

import torch
from torch import Tensor, nn


def train_loop(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
               optimizer: torch.optim.Optimizer, batches: list[tuple[Tensor, Tensor]],
               epochs: int) -> list[float]:
    """Train `model` in place; return the mean batch loss of each epoch as Python floats."""
    model.train()  # a no-op for nn.Linear, but the habit matters once dropout/batchnorm appear
    history: list[float] = []
    for _ in range(epochs):
        epoch_total = 0.0
        for xb, yb in batches:
            optimizer.zero_grad()  # .grad accumulates across backward() calls: clear it first
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            epoch_total += loss.item()  # a float, so the graph behind `loss` can be freed
        history.append(epoch_total / len(batches))
    return history
