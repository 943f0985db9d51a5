# %% [markdown]
# # Lesson 3.5 — Large-scale training
#
# Three ways to train on more data than one step of one device holds, each written so that
# it computes **exactly the step you already know**, just spread out differently:
#
# - **data parallelism**: `world_size` ranks each take a shard of the batch, run the model on
#   it and call backward; an *all-reduce* averages their gradients; every rank then takes
#   the same step. Here the ranks are simulated in one process, one after another;
# - **gradient accumulation**: a batch too big for memory goes through in micro-batches
#   whose gradients add up in `.grad` before a single optimizer step;
# - **mixed precision**: the forward runs in a 16-bit float under `torch.autocast`
#   (bfloat16 on a CPU, float16 on a GPU), and for float16 a `torch.amp.GradScaler` scales
#   the loss so that small gradients do not underflow.
#
# The grader checks each against one ordinary float32 step on the whole batch: exactly (up
# to float32 rounding) for the first two, within the 16-bit dtype's rounding for the third.
# Check your work with `grade 3.5` in this folder (`grade 3.5 --gpu` on a machine with a
# CUDA GPU also grades the float16 path on the GPU).

# %%
"""Lesson 3.5 stub: shards, all-reduce, data parallelism, accumulation, mixed precision."""
import torch
from torch import Tensor, nn

# %% [markdown]
# ## 1. Shards and the all-reduce
# `shard(batch, world_size, rank)` returns rank `rank`'s rows of `batch`: one **contiguous**
# block per rank, in rank order, the sizes differing by at most one with the bigger blocks
# first. With $n$ rows, $n = \text{world\_size} \cdot \text{base} + \text{extra}$: ranks
# $0 \ldots \text{extra}-1$ get $\text{base}+1$ rows and the others $\text{base}$ (an empty
# block when $n < \text{world\_size}$). Every row is on exactly one rank.
#
# `all_reduce_mean(grads)` gets `grads[r][i]`, rank `r`'s gradient of parameter `i`, and
# replaces every one of them **in place** by the mean over the ranks,
# $\frac{1}{W}\sum_{r} \text{grads}[r][i]$, as `torch.distributed.all_reduce(t,
# op=ReduceOp.AVG)` does on every rank at once. It returns None.

# %%
def shard(batch: Tensor, world_size: int, rank: int) -> Tensor:
    """Return rank `rank`'s contiguous block of the rows of batch (shape (n, ...)): the
    blocks of ranks 0 .. world_size - 1 in order make up the batch, the first
    n % world_size of them one row longer (like torch.tensor_split(batch, world_size)).
    """
    raise NotImplementedError


def all_reduce_mean(grads: list[list[Tensor]]) -> None:
    """Replace grads[r][i], for every rank r and parameter i, in place by the mean of
    grads[0][i], ..., grads[W-1][i] (W = len(grads)). Returns None.
    """
    raise NotImplementedError

# %% [markdown]
# ## 2. A data-parallel step, simulated
# For each rank: a replica of the model (`copy.deepcopy(model)` after `import copy`: a
# fresh one every step, with the weights and no `.grad`; replicas kept from step to step
# need their `.grad` cleared), the loss on the rank's shard of `x` and `y`, backward.
# Then `all_reduce_mean` over the
# replicas' gradients (in `model.parameters()` order), those gradients in the model's
# parameters' `.grad`, and **one** `optimizer.step()`. Return the mean of the ranks' losses
# (a detached 0-d tensor). `x.shape[0]` is a multiple of `world_size`, so every shard has
# the same size and the step equals one step on the whole batch. The grader also takes two
# steps in a row: the second must not see the first one's gradients.

# %%
def data_parallel_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: nn.Module,
                       x: Tensor, y: Tensor, world_size: int) -> Tensor:
    """One simulated data-parallel training step of model on (x, y) over world_size ranks;
    return the mean of the ranks' losses as a detached 0-d tensor.
    """
    raise NotImplementedError

# %% [markdown]
# ## 3. Gradient accumulation
# Zero the gradients, split `x` and `y` into `accum_steps` equal micro-batches, and for each
# call backward on `loss_fn(model(xb), yb) / accum_steps`: `.grad` adds them up to the whole
# batch's mean gradient. Then one `optimizer.step()`. Return the whole batch's loss (the sum
# of the divided losses, a detached 0-d tensor). `x.shape[0]` is a multiple of `accum_steps`.

# %%
def grad_accumulation_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                           loss_fn: nn.Module, x: Tensor, y: Tensor,
                           accum_steps: int) -> Tensor:
    """One optimizer step of model on (x, y) with the gradient accumulated over accum_steps
    micro-batches; return the whole batch's loss as a detached 0-d tensor.
    """
    raise NotImplementedError

# %% [markdown]
# ## 4. A mixed-precision step
# Zero the gradients (the model may hold a previous step's); compute `loss_fn(model(x), y)` inside
# `with torch.autocast(device_type=x.device.type, dtype=dtype):`; then, outside it:
#
# - without a scaler (bfloat16): `loss.backward()`, clip if `max_norm` is given,
#   `optimizer.step()`;
# - with a `torch.amp.GradScaler` (float16): `scaler.scale(loss).backward()`; if `max_norm`
#   is given, `scaler.unscale_(optimizer)` **before** `nn.utils.clip_grad_norm_(...,
#   max_norm)`; then `scaler.step(optimizer)` (it skips the step when a gradient overflowed)
#   and `scaler.update()`.
#
# Return the loss as a detached float32 0-d tensor. Don't cast the model or the data: the
# weights stay float32 and autocast picks the dtype op by op.

# %%
def mixed_precision_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                         loss_fn: nn.Module, x: Tensor, y: Tensor, dtype: torch.dtype,
                         scaler: torch.amp.GradScaler | None = None,
                         max_norm: float | None = None) -> Tensor:
    """One training step with the forward under torch.autocast(x.device.type, dtype), the
    loss scaled by scaler if one is given, gradients clipped to max_norm if given (after
    unscaling); return the loss as a detached float32 0-d tensor.
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    torch.manual_seed(0)
    batch = torch.arange(10)
    print("shards:", [shard(batch, 4, r).tolist() for r in range(4)])

    def make() -> tuple[nn.Module, torch.optim.Optimizer]:
        torch.manual_seed(1)
        model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3))
        return model, torch.optim.SGD(model.parameters(), lr=0.1)

    x, y = torch.randn(12, 5), torch.randn(12, 3)
    loss_fn = nn.MSELoss()
    full, opt = make()
    opt.zero_grad()
    loss_fn(full(x), y).backward()
    opt.step()
    steps = {
        "data parallel": lambda m, o: data_parallel_step(m, o, loss_fn, x, y, 4),
        "accumulation": lambda m, o: grad_accumulation_step(m, o, loss_fn, x, y, 3),
        "bfloat16": lambda m, o: mixed_precision_step(m, o, loss_fn, x, y, torch.bfloat16),
    }
    for name, step in steps.items():
        model, opt = make()
        step(model, opt)
        diff = max(float((p - q).abs().max())
                   for p, q in zip(model.parameters(), full.parameters(), strict=True))
        print(f"{name:>14}: max |weights - full-batch step's| = {diff:.2e}")
