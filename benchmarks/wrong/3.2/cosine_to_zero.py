"""decays_to_zero: the cosine comes down to 0, lr_min never used after warmup."""
import math
from collections.abc import Callable

import torch
from torch import Tensor, nn


def warmup_cosine(step: int, total: int, warmup: int, lr_max: float, lr_min: float) -> float:
    if step < warmup:
        return lr_max * (step + 1) / warmup
    t = (step - warmup) / (total - warmup)
    return 0.5 * lr_max * (1 + math.cos(math.pi * t))


def step_decay(step: int, lr0: float, step_size: int, gamma: float) -> float:
    return lr0 * gamma ** (step // step_size)


def exponential_decay(step: int, lr0: float, gamma: float) -> float:
    return lr0 * gamma ** step


def train_with_schedule(model: nn.Module, optimizer: torch.optim.Optimizer, X: Tensor,
                        y: Tensor, schedule: Callable[[int], float], steps: int) -> list[float]:
    base_lr = optimizer.param_groups[0]["lr"]
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: schedule(s) / base_lr)
    lrs = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs
