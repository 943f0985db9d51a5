"""epoch_loss_summed: records the sum of the batch losses instead of their mean."""
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
        history.append(running)
    return history
