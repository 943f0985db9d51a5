"""unseeded_generator: randperm without the generator."""
import math

import torch
from torch import Tensor


def init_params(sizes: list[int], generator: torch.Generator) -> dict[str, Tensor]:
    params = {}
    for l in range(1, len(sizes)):
        fan_in = sizes[l - 1]
        W = torch.randn(sizes[l - 1], sizes[l], generator=generator)
        params[f"W{l}"] = W * math.sqrt(2 / fan_in)
        params[f"b{l}"] = torch.zeros(sizes[l])
    return params


def softmax(logits: Tensor) -> Tensor:
    m = logits.max(dim=1, keepdim=True).values
    e = torch.exp(logits - m)
    return e / e.sum(dim=1, keepdim=True)


def cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    m = logits.max(dim=1, keepdim=True).values
    lse = m.squeeze(1) + torch.log(torch.exp(logits - m).sum(dim=1))
    correct = logits[torch.arange(logits.shape[0]), y]
    return (lse - correct).mean()


def forward(params: dict[str, Tensor], X: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    L = len(params) // 2
    cache = {"A0": X}
    A = X
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"] + params[f"b{l}"]
        cache[f"Z{l}"] = Z
        if l < L:
            A = torch.relu(Z)
            cache[f"A{l}"] = A
        else:
            A = Z
    return A, cache


def backprop(params: dict[str, Tensor], cache: dict[str, Tensor],
             y: Tensor) -> dict[str, Tensor]:
    L = len(params) // 2
    Z_L = cache[f"Z{L}"]
    n = Z_L.shape[0]
    probs = softmax(Z_L)
    onehot = torch.zeros_like(probs)
    onehot[torch.arange(n), y] = 1.0
    delta = (probs - onehot) / n
    grads = {}
    for l in range(L, 0, -1):
        A_prev = cache[f"A{l - 1}"]
        grads[f"W{l}"] = A_prev.T @ delta
        grads[f"b{l}"] = delta.sum(dim=0)
        if l > 1:
            delta = (delta @ params[f"W{l}"].T) * (cache[f"Z{l - 1}"] > 0).float()
    return grads


def sgd_update(params: dict[str, Tensor], grads: dict[str, Tensor],
               lr: float) -> dict[str, Tensor]:
    new = {}
    for k in params:
        new[k] = params[k] - lr * grads[k]
    return new


def train(X: Tensor, y: Tensor, sizes: list[int], lr: float, epochs: int, batch_size: int,
          generator: torch.Generator) -> dict[str, Tensor]:
    params = init_params(sizes, generator)
    n = X.shape[0]
    for epoch in range(epochs):
        perm = torch.randperm(n)
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            _, cache = forward(params, X[idx])
            grads = backprop(params, cache, y[idx])
            params = sgd_update(params, grads, lr)
    return params
