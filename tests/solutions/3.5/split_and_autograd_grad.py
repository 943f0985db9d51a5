"""Lesson 3.5, a correct solution written differently: torch.tensor_split for the shards and
micro-batches, an all-reduce as an in-place sum then a division, the ranks' gradients taken
with torch.autograd.grad on the model itself (the replicas would be identical copies), and the
micro-batch losses weighted by their share of the batch."""

import torch
from torch import Tensor, nn


def shard(batch: Tensor, world_size: int, rank: int) -> Tensor:
    return torch.tensor_split(batch, world_size)[rank]


def all_reduce_mean(grads: list[list[Tensor]]) -> None:
    world_size = len(grads)
    for i in range(len(grads[0])):
        total = torch.zeros_like(grads[0][i])
        for rank_grads in grads:
            total += rank_grads[i]
        total /= world_size
        for rank_grads in grads:
            rank_grads[i].copy_(total)


def data_parallel_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: nn.Module,
                       x: Tensor, y: Tensor, world_size: int) -> Tensor:
    params = [p for p in model.parameters()]
    per_rank: list[list[Tensor]] = []
    losses = []
    for xs, ys in zip(torch.tensor_split(x, world_size), torch.tensor_split(y, world_size),
                      strict=True):
        loss = loss_fn(model(xs), ys)
        per_rank.append(list(torch.autograd.grad(loss, params)))
        losses.append(loss.detach())
    all_reduce_mean(per_rank)
    for p, g in zip(params, per_rank[-1], strict=True):
        p.grad = g
    optimizer.step()
    return sum(losses) / world_size


def grad_accumulation_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                           loss_fn: nn.Module, x: Tensor, y: Tensor,
                           accum_steps: int) -> Tensor:
    for p in model.parameters():
        p.grad = None
    n = x.shape[0]
    total = x.new_zeros(())
    for xb, yb in zip(x.chunk(accum_steps), y.chunk(accum_steps), strict=True):
        share = xb.shape[0] / n  # 1 / accum_steps for equal micro-batches
        loss = loss_fn(model(xb), yb) * share
        loss.backward()
        total = total + loss.detach()
    optimizer.step()
    return total


def mixed_precision_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                         loss_fn: nn.Module, x: Tensor, y: Tensor, dtype: torch.dtype,
                         scaler: torch.amp.GradScaler | None = None,
                         max_norm: float | None = None) -> Tensor:
    optimizer.zero_grad(set_to_none=False)
    with torch.amp.autocast(x.device.type, dtype=dtype):
        out = model(x)
    loss = loss_fn(out.float(), y)  # the loss itself in float32, outside autocast
    scaled = loss if scaler is None else scaler.scale(loss)
    scaled.backward()
    if max_norm is not None:
        if scaler is not None:
            scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if scaler is None:
        optimizer.step()
    else:
        scaler.step(optimizer)
        scaler.update()
    return loss.detach().to(torch.float32)
