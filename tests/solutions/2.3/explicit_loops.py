"""A correct 2.3 solution with the layers unrolled into lists and loops written out by hand."""

import math

import torch
from torch import Tensor


def init_params(sizes: list[int], generator: torch.Generator) -> dict[str, Tensor]:
    params: dict[str, Tensor] = {}
    layer = 1
    while layer < len(sizes):
        scale = math.sqrt(2 / sizes[layer - 1])
        params["W" + str(layer)] = scale * torch.randn(sizes[layer - 1], sizes[layer],
                                                       generator=generator)
        params["b" + str(layer)] = torch.zeros(sizes[layer], dtype=torch.float32)
        layer += 1
    return params


def softmax(logits: Tensor) -> Tensor:
    rows = []
    for row in logits:  # one row at a time
        e = torch.exp(row - torch.max(row))
        rows.append(e / torch.sum(e))
    return torch.stack(rows)


def cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    total = torch.zeros((), dtype=logits.dtype)
    for row, label in zip(logits, y, strict=True):
        m = torch.max(row)
        total = total + (m + torch.log(torch.sum(torch.exp(row - m))) - row[label])
    return total / len(y)


def forward(params: dict[str, Tensor], X: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    n_layers = len(params) // 2
    cache: dict[str, Tensor] = {"X": X}
    h = X
    for i in range(1, n_layers + 1):
        z = h.matmul(params[f"W{i}"]) + params[f"b{i}"].unsqueeze(0)
        cache[f"z{i}"] = z
        h = torch.maximum(z, torch.zeros_like(z)) if i < n_layers else z
        cache[f"h{i}"] = h
    return h, cache


def backprop(params: dict[str, Tensor], cache: dict[str, Tensor],
             y: Tensor) -> dict[str, Tensor]:
    n_layers = len(params) // 2
    logits = cache[f"z{n_layers}"]
    n, k = logits.shape
    target = torch.zeros(n, k, dtype=logits.dtype)
    target[torch.arange(n), y] = 1.0
    g = softmax(logits) - target
    g = g * (1.0 / n)
    grads: dict[str, Tensor] = {}
    for i in range(n_layers, 0, -1):
        below = cache["X"] if i == 1 else cache[f"h{i - 1}"]
        grads[f"b{i}"] = torch.ones(n, dtype=g.dtype) @ g
        grads[f"W{i}"] = (g.T @ below).T
        if i > 1:
            mask = (cache[f"z{i - 1}"] > 0).to(g.dtype)
            g = (g @ params[f"W{i}"].transpose(0, 1)) * mask
    return {name: grads[name] for name in params}


def sgd_update(params: dict[str, Tensor], grads: dict[str, Tensor],
               lr: float) -> dict[str, Tensor]:
    return {name: torch.add(value, grads[name], alpha=-lr) for name, value in params.items()}


def train(X: Tensor, y: Tensor, sizes: list[int], lr: float, epochs: int, batch_size: int,
          generator: torch.Generator) -> dict[str, Tensor]:
    params = init_params(sizes, generator)
    for _ in range(epochs):
        perm = torch.randperm(len(X), generator=generator).tolist()
        start = 0
        while start < len(perm):
            idx = torch.tensor(perm[start:start + batch_size])
            _, cache = forward(params, X[idx])
            grads = backprop(params, cache, y[idx])
            params = sgd_update(params, grads, lr)
            start += batch_size
    return params
