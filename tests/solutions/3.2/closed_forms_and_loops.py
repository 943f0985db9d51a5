"""A correct 3.2 solution written differently: the cosine as lr_max minus a rising half-cosine,
step decay by repeated multiplication, exponential decay through exp/log, and a loop that
records the rate after optimizer.step() (before the scheduler moves it on)."""

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import LambdaLR


def warmup_cosine(step: int, total: int, warmup: int, lr_max: float, lr_min: float) -> float:
    if warmup > 0 and step <= warmup - 1:
        return (step + 1) * lr_max / warmup
    angle = math.pi * (step - warmup) / (total - warmup)
    return lr_max - (lr_max - lr_min) * (1.0 - math.cos(angle)) / 2.0


def step_decay(step: int, lr0: float, step_size: int, gamma: float) -> float:
    lr = lr0
    for _ in range(step // step_size):
        lr *= gamma
    return lr


def exponential_decay(step: int, lr0: float, gamma: float) -> float:
    return lr0 * math.exp(step * math.log(gamma))


class _Factor:
    """The factor LambdaLR multiplies the base rate by."""

    def __init__(self, schedule: Callable[[int], float], base: float) -> None:
        self.schedule, self.base = schedule, base

    def __call__(self, s: int) -> float:
        return self.schedule(s) / self.base


def train_with_schedule(model: nn.Module, optimizer: torch.optim.Optimizer, X: Tensor,
                        y: Tensor, schedule: Callable[[int], float], steps: int) -> list[float]:
    scheduler = LambdaLR(optimizer, _Factor(schedule, optimizer.param_groups[0]["lr"]))
    lrs: list[float] = []
    step = 0
    while step < steps:
        for p in model.parameters():
            p.grad = None
        loss = nn.MSELoss()(model(X), y)
        loss.backward()
        optimizer.step()
        lrs.append(optimizer.param_groups[0]["lr"])
        scheduler.step()
        step += 1
    return lrs
