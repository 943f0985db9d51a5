"""keeps_loss_tensor: keeps the loss tensors and averages them."""
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
            optimizer.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss)
        losses_per_epoch.append(torch.stack(batch_losses).mean())
    return losses_per_epoch
