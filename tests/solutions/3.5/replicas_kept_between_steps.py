"""Lesson 3.5, a correct solution written differently: every rank keeps its replica from one
step to the next, as real ranks do (the model's weights loaded into it each step, its
gradients zeroed before backward), the model's .grad written in place once it exists, shards
by narrow, micro-batches by slicing, and the mixed-precision step zeroing through
model.zero_grad()."""

import copy
import weakref

import torch
from torch import Tensor, nn

_REPLICAS: weakref.WeakKeyDictionary[nn.Module, list[nn.Module]] = weakref.WeakKeyDictionary()


def shard(batch: Tensor, world_size: int, rank: int) -> Tensor:
    n = batch.shape[0]
    base, extra = n // world_size, n % world_size
    start = rank * base + min(rank, extra)
    return batch.narrow(0, start, base + int(rank < extra))


def all_reduce_mean(grads: list[list[Tensor]]) -> None:
    for i in range(len(grads[0])):
        mean = sum(rank_grads[i] for rank_grads in grads) / len(grads)
        for rank_grads in grads:
            rank_grads[i][...] = mean


def data_parallel_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: nn.Module,
                       x: Tensor, y: Tensor, world_size: int) -> Tensor:
    replicas = _REPLICAS.get(model)
    if replicas is None or len(replicas) != world_size:
        replicas = [copy.deepcopy(model) for _ in range(world_size)]
        _REPLICAS[model] = replicas
    grads: list[list[Tensor]] = []
    losses: list[float] = []
    for rank, replica in enumerate(replicas):
        replica.load_state_dict(model.state_dict())
        replica.zero_grad()
        loss = loss_fn(replica(shard(x, world_size, rank)), shard(y, world_size, rank))
        loss.backward()
        grads.append([p.grad for p in replica.parameters()])
        losses.append(loss.item())
    all_reduce_mean(grads)
    for p, g in zip(model.parameters(), grads[0], strict=True):
        if p.grad is None:
            p.grad = g.detach().clone()
        else:
            p.grad.copy_(g)
    optimizer.step()
    return torch.tensor(sum(losses) / world_size)


def grad_accumulation_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                           loss_fn: nn.Module, x: Tensor, y: Tensor,
                           accum_steps: int) -> Tensor:
    optimizer.zero_grad(set_to_none=False)
    size = x.shape[0] // accum_steps
    total = 0.0
    for k in range(accum_steps):
        rows = slice(k * size, (k + 1) * size)
        loss = loss_fn(model(x[rows]), y[rows])
        (loss / accum_steps).backward()
        total += loss.item() / accum_steps
    optimizer.step()
    return torch.tensor(total)


def mixed_precision_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                         loss_fn: nn.Module, x: Tensor, y: Tensor, dtype: torch.dtype,
                         scaler: torch.amp.GradScaler | None = None,
                         max_norm: float | None = None) -> Tensor:
    model.zero_grad()
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        loss = loss_fn(model(x), y)
    if scaler is not None:
        scaler.scale(loss).backward()
        if max_norm is not None:
            scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        scaler.step(optimizer)
        scaler.update()
        return loss.detach().float()
    loss.backward()
    if max_norm is not None:
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.detach().float()
