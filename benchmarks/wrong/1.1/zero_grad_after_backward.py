"""zero_grad_between_backward_and_step: clears the gradients after backward, just before step."""
from collections.abc import Callable

import torch
from torch import Tensor, nn


def train_loop(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
               optimizer: torch.optim.Optimizer, batches: list[tuple[Tensor, Tensor]],
               epochs: int) -> list[float]:
    model.train()
    losses_per_epoch: list[float] = []
    for _ in range(epochs):
        batch_losses = []
        for x, y in batches:
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            optimizer.zero_grad()
            optimizer.step()
            batch_losses.append(loss.item())
        losses_per_epoch.append(sum(batch_losses) / len(batch_losses))
    return losses_per_epoch
