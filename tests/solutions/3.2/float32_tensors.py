"""A correct 3.2 solution that computes each schedule with float32 tensors and .item(), and
records the loop's learning rate with scheduler.get_last_lr() (the lambda divides by the
group's "initial_lr", set by hand as LambdaLR would)."""

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import LambdaLR


def warmup_cosine(step: int, total: int, warmup: int, lr_max: float, lr_min: float) -> float:
    s = torch.tensor(float(step))
    hi, lo = torch.tensor(lr_max), torch.tensor(lr_min)
    if step < warmup:
        return (hi * (s + 1) / warmup).item()
    p = (s - warmup) / (total - warmup)
    return (lo + (hi - lo) * (1 + torch.cos(math.pi * p)) / 2).item()


def step_decay(step: int, lr0: float, step_size: int, gamma: float) -> float:
    periods = torch.div(torch.tensor(step), step_size, rounding_mode="floor")
    return (torch.tensor(lr0) * torch.tensor(gamma) ** periods).item()


def exponential_decay(step: int, lr0: float, gamma: float) -> float:
    return (torch.tensor(lr0) * torch.tensor(gamma) ** step).item()


def train_with_schedule(model: nn.Module, optimizer: torch.optim.Optimizer, X: Tensor,
                        y: Tensor, schedule: Callable[[int], float], steps: int) -> list[float]:
    for group in optimizer.param_groups:
        group["initial_lr"] = group["lr"]  # what LambdaLR would store as the base rate
    base = optimizer.param_groups[0]["initial_lr"]
    scheduler = LambdaLR(optimizer, lambda s: schedule(s) / base, last_epoch=-1)
    used = []
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        ((model(X) - y) ** 2).mean().backward()
        used.append(float(scheduler.get_last_lr()[0]))
        optimizer.step()
        scheduler.step()
    return used
