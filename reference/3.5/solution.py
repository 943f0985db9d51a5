"""Lesson 3.5 reference: data parallelism simulated in one process, gradient accumulation
and mixed precision (autocast, with a GradScaler for float16)."""

import copy

import torch
from torch import Tensor, nn


def shard(batch: Tensor, world_size: int, rank: int) -> Tensor:
    """Rank ``rank``'s contiguous block of the rows of ``batch``: the first n % world_size
    ranks get one row more (torch.tensor_split's blocks)."""
    n = batch.shape[0]
    base, extra = divmod(n, world_size)
    start = rank * base + min(rank, extra)
    size = base + (1 if rank < extra else 0)
    return batch[start:start + size]


def all_reduce_mean(grads: list[list[Tensor]]) -> None:
    """Average grads[r][i] over the ranks r, in place: every rank ends with the mean."""
    for i in range(len(grads[0])):
        mean = torch.stack([rank_grads[i] for rank_grads in grads]).mean(dim=0)
        for rank_grads in grads:
            rank_grads[i].copy_(mean)


def data_parallel_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: nn.Module,
                       x: Tensor, y: Tensor, world_size: int) -> Tensor:
    """One data-parallel step on world_size simulated ranks; returns the mean of their
    losses (0-d, detached)."""
    rank_grads: list[list[Tensor]] = []
    losses: list[Tensor] = []
    for rank in range(world_size):
        replica = copy.deepcopy(model)
        replica.zero_grad(set_to_none=True)  # a module's deep copy has no .grad; to be sure
        loss = loss_fn(replica(shard(x, world_size, rank)), shard(y, world_size, rank))
        loss.backward()
        rank_grads.append([p.grad for p in replica.parameters()])
        losses.append(loss.detach())
    all_reduce_mean(rank_grads)
    for p, g in zip(model.parameters(), rank_grads[0], strict=True):
        p.grad = g.clone()
    optimizer.step()
    return torch.stack(losses).mean()


def grad_accumulation_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                           loss_fn: nn.Module, x: Tensor, y: Tensor,
                           accum_steps: int) -> Tensor:
    """One optimizer step on the whole batch, its gradient accumulated over accum_steps
    equal micro-batches; returns the whole batch's loss (0-d, detached)."""
    optimizer.zero_grad()
    total = torch.zeros((), dtype=x.dtype)
    for xb, yb in zip(torch.tensor_split(x, accum_steps), torch.tensor_split(y, accum_steps),
                      strict=True):
        loss = loss_fn(model(xb), yb) / accum_steps
        loss.backward()
        total += loss.detach()
    optimizer.step()
    return total


def mixed_precision_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                         loss_fn: nn.Module, x: Tensor, y: Tensor, dtype: torch.dtype,
                         scaler: torch.amp.GradScaler | None = None,
                         max_norm: float | None = None) -> Tensor:
    """One training step with the forward under torch.autocast(x's device type, dtype);
    with a scaler, the loss scaled for backward and the gradients unscaled before clipping.
    Returns the loss as a float32 0-d tensor (detached)."""
    optimizer.zero_grad()
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        loss = loss_fn(model(x), y)
    if scaler is None:
        loss.backward()
        if max_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
    else:
        scaler.scale(loss).backward()
        if max_norm is not None:
            scaler.unscale_(optimizer)  # clip the true gradients, not the scaled ones
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        scaler.step(optimizer)  # skips the step if a gradient is inf or NaN
        scaler.update()
    return loss.detach().float()
