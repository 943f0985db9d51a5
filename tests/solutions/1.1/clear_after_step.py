"""A correct 1.1 solution: zero_grad after each step (and once before), losses stacked."""

from collections.abc import Callable

import torch
from torch import Tensor, nn


def train_loop(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
               optimizer: torch.optim.Optimizer, batches: list[tuple[Tensor, Tensor]],
               epochs: int) -> list[float]:
    model.train(True)
    optimizer.zero_grad(set_to_none=False)
    history: list[float] = []
    epoch = 0
    while epoch < epochs:
        batch_losses: list[Tensor] = []
        for i in range(len(batches)):
            inputs, targets = batches[i]
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=False)
            batch_losses.append(loss.detach())
        history.append(torch.stack(batch_losses).mean().item())
        epoch += 1
    return history
