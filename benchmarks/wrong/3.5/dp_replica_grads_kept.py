"""data_parallel_replica_grads_kept: every rank keeps its replica from step to step (weights copied in each step) and never clears its .grad, so gradients pile up across steps."""
import copy
import math

import torch
from torch import Tensor, nn


def shard(batch: Tensor, world_size: int, rank: int) -> Tensor:
    n = batch.shape[0]
    base = n // world_size
    extra = n % world_size
    if rank < extra:
        start = rank * (base + 1)
        end = start + base + 1
    else:
        start = extra * (base + 1) + (rank - extra) * base
        end = start + base
    return batch[start:end]


def all_reduce_mean(grads: list[list[Tensor]]) -> None:
    world = len(grads)
    for i in range(len(grads[0])):
        total = torch.zeros_like(grads[0][i])
        for r in range(world):
            total += grads[r][i]
        avg = total / world
        for r in range(world):
            grads[r][i].copy_(avg)


def data_parallel_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: nn.Module,
                       x: Tensor, y: Tensor, world_size: int) -> Tensor:
    # every rank keeps its own copy of the model from step to step, as with DDP
    if not hasattr(model, "rank_models") or len(model.rank_models) != world_size:
        model.rank_models = [copy.deepcopy(model) for _ in range(world_size)]
    all_grads = []
    losses = []
    for rank, replica in enumerate(model.rank_models):
        with torch.no_grad():
            for p, q in zip(replica.parameters(), model.parameters()):
                p.copy_(q)
        xs = shard(x, world_size, rank)
        ys = shard(y, world_size, rank)
        loss = loss_fn(replica(xs), ys)
        loss.backward()
        all_grads.append([p.grad for p in replica.parameters()])
        losses.append(loss.item())
    all_reduce_mean(all_grads)
    for p, g in zip(model.parameters(), all_grads[0]):
        p.grad = g.clone()
    optimizer.step()
    return torch.tensor(sum(losses) / len(losses))


def grad_accumulation_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                           loss_fn: nn.Module, x: Tensor, y: Tensor,
                           accum_steps: int) -> Tensor:
    optimizer.zero_grad()
    micro = x.shape[0] // accum_steps
    total = 0.0
    for k in range(accum_steps):
        xb = x[k * micro:(k + 1) * micro]
        yb = y[k * micro:(k + 1) * micro]
        loss = loss_fn(model(xb), yb) / accum_steps
        loss.backward()
        total += loss.item()
    optimizer.step()
    return torch.tensor(total)


def mixed_precision_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                         loss_fn: nn.Module, x: Tensor, y: Tensor, dtype: torch.dtype,
                         scaler: torch.amp.GradScaler | None = None,
                         max_norm: float | None = None) -> Tensor:
    optimizer.zero_grad()
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        out = model(x)
        loss = loss_fn(out, y)
    if scaler is not None:
        scaler.scale(loss).backward()
        if max_norm is not None:
            scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        scaler.step(optimizer)
        scaler.update()
    else:
        loss.backward()
        if max_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
    return loss.detach().float()
