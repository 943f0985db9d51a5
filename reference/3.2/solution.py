"""Reference solution for lesson 3.2: learning-rate schedules (hidden from students)."""

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import LambdaLR


def warmup_cosine(step: int, total: int, warmup: int, lr_max: float, lr_min: float) -> float:
    """Linear warmup to lr_max over `warmup` steps, then cosine decay towards lr_min."""
    if step < warmup:
        return lr_max * (step + 1) / warmup
    progress = (step - warmup) / (total - warmup)
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + math.cos(math.pi * progress))


def step_decay(step: int, lr0: float, step_size: int, gamma: float) -> float:
    """lr0 multiplied by gamma once every step_size steps (torch's StepLR)."""
    return lr0 * gamma ** (step // step_size)


def exponential_decay(step: int, lr0: float, gamma: float) -> float:
    """lr0 multiplied by gamma at every step (torch's ExponentialLR)."""
    return lr0 * gamma**step


def train_with_schedule(model: nn.Module, optimizer: torch.optim.Optimizer, X: Tensor,
                        y: Tensor, schedule: Callable[[int], float], steps: int) -> list[float]:
    """Full-batch MSE training for `steps` steps with the lr of step s equal to schedule(s),
    set through LambdaLR; returns the lr the optimizer used at each step."""
    base_lr = optimizer.param_groups[0]["lr"]
    scheduler = LambdaLR(optimizer, lambda s: schedule(s) / base_lr)
    lrs = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs
