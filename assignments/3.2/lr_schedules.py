# %% [markdown]
# # Lesson 3.2 — Learning-rate scheduling
#
# Write three learning-rate schedules as plain functions of the step index (linear warmup
# then cosine decay, step decay, exponential decay), then a training loop that follows any
# schedule through `torch.optim.lr_scheduler.LambdaLR` and reports the learning rate the
# optimizer used at each step. Check your work with `grade 3.2` in this folder.
#
# Steps are counted from 0: a run of `total` steps has steps `0, 1, ..., total - 1`.
# Every schedule returns a Python `float` (not a tensor).

# %%
"""Lesson 3.2 stub: warmup + cosine, step and exponential decay, and LambdaLR in a loop."""
import math  # noqa: F401 - math.cos and math.pi, for your schedules
from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.optim.lr_scheduler import LambdaLR  # noqa: F401 - for your loop

# %% [markdown]
# ## 1. Linear warmup, then cosine decay
# For `step < warmup` (the warmup steps $0, \dots, \text{warmup} - 1$):
# $\mathrm{lr} = \mathrm{lr_{max}} \cdot (\text{step} + 1) / \text{warmup}$, so step 0 gets
# $\mathrm{lr_{max}}/\text{warmup}$ and the last warmup step gets $\mathrm{lr_{max}}$.
#
# For `step >= warmup`, with
# $p = (\text{step} - \text{warmup}) / (\text{total} - \text{warmup})$:
# $\mathrm{lr} = \mathrm{lr_{min}}
# + \tfrac{1}{2}(\mathrm{lr_{max}} - \mathrm{lr_{min}})(1 + \cos \pi p)$,
# so the first step after warmup gets $\mathrm{lr_{max}}$ again ($p = 0$) and the curve
# comes down towards $\mathrm{lr_{min}}$ (reached at $p = 1$, one step after the last).
#
# `warmup` may be 0 (no warmup: the cosine starts at step 0) or equal to `total` (every
# step is a warmup step).

# %%
def warmup_cosine(step: int, total: int, warmup: int, lr_max: float, lr_min: float) -> float:
    """Return the learning rate of step `step` (0 <= step < total) as a Python float:
    lr_max * (step + 1) / warmup during warmup (step < warmup), then a cosine from lr_max
    down towards lr_min over the remaining total - warmup steps. 0 <= warmup <= total.
    """
    raise NotImplementedError

# %% [markdown]
# ## 2. Step decay and exponential decay
# Step decay keeps the rate for `step_size` steps, then multiplies it by `gamma`:
# $\mathrm{lr} = \mathrm{lr_0} \cdot \gamma^{\lfloor \text{step} / \text{step\_size} \rfloor}$
# (torch's `StepLR`). Exponential decay multiplies it by `gamma` at every step:
# $\mathrm{lr} = \mathrm{lr_0} \cdot \gamma^{\text{step}}$ (torch's `ExponentialLR`).

# %%
def step_decay(step: int, lr0: float, step_size: int, gamma: float) -> float:
    """Return lr0 * gamma ** (step // step_size) as a Python float."""
    raise NotImplementedError


def exponential_decay(step: int, lr0: float, gamma: float) -> float:
    """Return lr0 * gamma ** step as a Python float."""
    raise NotImplementedError

# %% [markdown]
# ## 3. A schedule in a training loop
# `schedule(s)` is the learning rate step `s` must use (any function of the step, for
# example `lambda s: warmup_cosine(s, total, warmup, lr_max, lr_min)`). The `optimizer`
# you get was built over `model.parameters()` with some base learning rate of its own.
# `LambdaLR(optimizer, lr_lambda)` sets the learning rate to
# `base_lr * lr_lambda(s)` (a *factor* of the base rate) when it is created (s = 0) and
# at every `scheduler.step()` (s = 1, 2, ...): so `lr_lambda(s) = schedule(s) / base_lr`,
# with `base_lr = optimizer.param_groups[0]["lr"]` read *before* you create the scheduler.
#
# Each step, in this order: zero the gradients, compute the mean squared error of
# `model(X)` against `y` on the whole batch, backward, record
# `optimizer.param_groups[0]["lr"]` (the rate this step uses), `optimizer.step()`, then
# `scheduler.step()`.

# %%
def train_with_schedule(model: nn.Module, optimizer: torch.optim.Optimizer, X: Tensor,
                        y: Tensor, schedule: Callable[[int], float], steps: int) -> list[float]:
    """Train `model` for `steps` steps of full-batch MSE on (X, y) with `optimizer`, its
    learning rate following `schedule` through LambdaLR. Return the list of `steps` Python
    floats: the learning rate the optimizer used at each step.
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    total, warmup = 20, 5
    curve = [warmup_cosine(s, total, warmup, 1.0, 0.1) for s in range(total)]
    print("warmup + cosine:", [round(lr, 3) for lr in curve])
    print("step decay:     ", [round(step_decay(s, 1.0, 4, 0.5), 3) for s in range(12)])
    print("exponential:    ", [round(exponential_decay(s, 1.0, 0.9), 3) for s in range(12)])

    # compare your step and exponential decay with torch's own schedulers
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    step_lr = torch.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
    torch_curve = []
    for _ in range(12):
        torch_curve.append(opt.param_groups[0]["lr"])
        opt.step()
        step_lr.step()
    print("StepLR:         ", [round(lr, 3) for lr in torch_curve])

    torch.manual_seed(0)
    X, y = torch.randn(32, 3), torch.randn(32, 1)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    lrs = train_with_schedule(model, opt, X, y,
                              lambda s: warmup_cosine(s, total, warmup, 0.1, 0.01), total)
    print("lrs used:       ", [round(lr, 4) for lr in lrs])
    print("expected:       ", [round(warmup_cosine(s, total, warmup, 0.1, 0.01), 4)
                               for s in range(total)])
