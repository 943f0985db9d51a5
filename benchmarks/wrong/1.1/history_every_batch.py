"""history_per_batch: one history entry per batch."""
from collections.abc import Callable

import torch
from torch import Tensor, nn


def train_loop(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
               optimizer: torch.optim.Optimizer, batches: list[tuple[Tensor, Tensor]],
               epochs: int) -> list[float]:
    history = []
    for epoch in range(epochs):
        running = 0.0
        for xb, yb in batches:
            optimizer.zero_grad()
            pred = model(xb)
            loss = loss_fn(pred, yb)
            loss.backward()
            optimizer.step()
            running += loss.item()
            history.append(loss.item())
    return history
