"""Lesson 3.5, a correct solution written differently: shards as index lists built in a loop,
an all-reduce accumulated in float64, replicas made with load_state_dict, micro-batches cut
by slicing, and clipping written out by hand with the norm in float64."""

import copy

import torch
from torch import Tensor, nn


def shard(batch: Tensor, world_size: int, rank: int) -> Tensor:
    n = batch.shape[0]
    owner = []  # owner[j] = the rank row j goes to
    for r in range(world_size):
        size = n // world_size + (1 if r < n % world_size else 0)
        owner.extend([r] * size)
    rows = [j for j in range(n) if owner[j] == rank]
    return batch.index_select(0, torch.tensor(rows, dtype=torch.long))


def all_reduce_mean(grads: list[list[Tensor]]) -> None:
    for i in range(len(grads[0])):
        acc = torch.zeros(grads[0][i].shape, dtype=torch.float64)
        for rank_grads in grads:
            acc.add_(rank_grads[i].to(torch.float64))
        mean = (acc / len(grads)).to(grads[0][i].dtype)
        for rank_grads in grads:
            rank_grads[i].copy_(mean)


def data_parallel_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: nn.Module,
                       x: Tensor, y: Tensor, world_size: int) -> Tensor:
    grads = []
    loss_sum = 0.0
    for rank in range(world_size):
        replica = copy.deepcopy(model)
        replica.load_state_dict(model.state_dict())
        for p in replica.parameters():
            p.grad = None
        xs, ys = shard(x, world_size, rank), shard(y, world_size, rank)
        loss = loss_fn(replica(xs), ys)
        loss.backward()
        grads.append([p.grad.clone() for p in replica.parameters()])
        loss_sum += float(loss.detach())
    all_reduce_mean(grads)
    for p, g in zip(model.parameters(), grads[0], strict=True):
        if p.grad is None:
            p.grad = g
        else:
            p.grad.copy_(g)
    optimizer.step()
    return torch.tensor(loss_sum / world_size, dtype=torch.float32)


def grad_accumulation_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                           loss_fn: nn.Module, x: Tensor, y: Tensor,
                           accum_steps: int) -> Tensor:
    optimizer.zero_grad(set_to_none=True)
    size = x.shape[0] // accum_steps
    losses = []
    for k in range(accum_steps):
        part = slice(k * size, (k + 1) * size)
        loss = loss_fn(model(x[part]), y[part])
        (loss / accum_steps).backward()
        losses.append(loss.detach())
    optimizer.step()
    return torch.stack(losses).mean()


def _clip(params: list[nn.Parameter], max_norm: float) -> None:
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.sqrt(sum((g.to(torch.float64) ** 2).sum() for g in grads))
    factor = min(1.0, max_norm / (float(total) + 1e-6))
    for g in grads:
        g.mul_(factor)


def mixed_precision_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                         loss_fn: nn.Module, x: Tensor, y: Tensor, dtype: torch.dtype,
                         scaler: torch.amp.GradScaler | None = None,
                         max_norm: float | None = None) -> Tensor:
    params = list(model.parameters())
    optimizer.zero_grad()
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        loss = loss_fn(model(x), y)
    if scaler is not None:
        scaler.scale(loss).backward()
        if max_norm is not None:
            scaler.unscale_(optimizer)
            _clip(params, max_norm)
        scaler.step(optimizer)
        scaler.update()
    else:
        loss.backward()
        if max_norm is not None:
            _clip(params, max_norm)
        optimizer.step()
    return loss.detach().clone().float()
