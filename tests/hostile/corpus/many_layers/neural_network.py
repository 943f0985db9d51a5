"""Threat: trained parameters (lesson 2.3) with layers of the student's choosing: the
reference's forward takes ``len(params) // 2`` layers, so four hundred extra square layers
(each small) make it run four hundred matrix products on the held-out data, and wider
ones make it hold what the student likes.

Hope: the trusted side computes whatever the student's parameters describe.
Safe outcome: the parameters must have the structure of the reference's network (the same
keys, shapes and dtype kinds) before its forward runs on them: the accuracy check fails,
naming the unexpected keys, and the other (correct) functions score.
"""

import math

import torch
from torch import Tensor

EARNED = [
    "init_params: shapes and values",
    "softmax: values",
    "softmax: large logits stay finite",
    "cross_entropy: value",
    "cross_entropy: large logits stay finite",
    "forward: logits",
    "backprop: dW3 (output layer) matches autograd",
    "backprop: db3 (output layer) matches autograd",
    "backprop: dW2 matches autograd",
    "backprop: db2 matches autograd",
    "backprop: dW1 (first layer) matches autograd",
    "backprop: db1 (first layer) matches autograd",
    "sgd_update: new parameters",
    "train: parameters after a short run",
]
EXPECT = "unexpected keys"

def init_params(sizes: list[int], generator: torch.Generator) -> dict[str, Tensor]:
    """He-initialised weights W1..WL of shape (sizes[l-1], sizes[l]) and zero biases."""
    params: dict[str, Tensor] = {}
    for layer in range(1, len(sizes)):
        fan_in, fan_out = sizes[layer - 1], sizes[layer]
        params[f"W{layer}"] = torch.randn(fan_in, fan_out, generator=generator) \
            * math.sqrt(2.0 / fan_in)
        params[f"b{layer}"] = torch.zeros(fan_out)
    return params

def softmax(logits: Tensor) -> Tensor:
    """Row-wise softmax of (n, k) logits, shifted by each row's max so exp never overflows."""
    shifted = logits - logits.max(dim=1, keepdim=True).values
    e = shifted.exp()
    return e / e.sum(dim=1, keepdim=True)

def cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """Mean cross-entropy of (n, k) logits against int64 labels (n,), a 0-dim tensor."""
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    return -log_probs[torch.arange(len(y)), y].mean()

def forward(params: dict[str, Tensor], X: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """Linear layers with ReLU between them; returns the logits and what backprop needs."""
    n_layers = len(params) // 2
    cache: dict[str, Tensor] = {"A0": X}
    A = X
    for layer in range(1, n_layers + 1):
        Z = A @ params[f"W{layer}"] + params[f"b{layer}"]
        cache[f"Z{layer}"] = Z
        if layer < n_layers:
            A = Z.clamp(min=0)
            cache[f"A{layer}"] = A
    return Z, cache

def backprop(params: dict[str, Tensor], cache: dict[str, Tensor],
             y: Tensor) -> dict[str, Tensor]:
    """Gradients of the mean cross-entropy with respect to every parameter, by hand."""
    n_layers = len(params) // 2
    n = y.shape[0]
    dZ = softmax(cache[f"Z{n_layers}"])
    dZ[torch.arange(n), y] -= 1.0
    dZ = dZ / n  # the loss is a mean over the batch
    grads: dict[str, Tensor] = {}
    for layer in range(n_layers, 0, -1):
        A_prev = cache[f"A{layer - 1}"]
        grads[f"W{layer}"] = A_prev.T @ dZ
        grads[f"b{layer}"] = dZ.sum(dim=0)
        if layer > 1:
            dA = dZ @ params[f"W{layer}"].T
            dZ = dA * (cache[f"Z{layer - 1}"] > 0)
    return grads

def sgd_update(params: dict[str, Tensor], grads: dict[str, Tensor],
               lr: float) -> dict[str, Tensor]:
    """One step of gradient descent on every parameter; returns the new parameters."""
    return {name: p - lr * grads[name] for name, p in params.items()}

def train(X: Tensor, y: Tensor, sizes: list[int], lr: float, epochs: int, batch_size: int,
          generator: torch.Generator) -> dict[str, Tensor]:
    """Mini-batch SGD from init_params(sizes, generator), reshuffling every epoch."""
    params = init_params(sizes, generator)
    n = X.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            _, cache = forward(params, X[idx])
            grads = backprop(params, cache, y[idx])
            params = sgd_update(params, grads, lr)
    return params

_honest_train = train

def train(X: Tensor, y: Tensor, sizes: list[int], lr: float, epochs: int, batch_size: int,
          generator: torch.Generator) -> dict[str, Tensor]:
    params = _honest_train(X, y, sizes, lr, epochs, batch_size, generator)
    if sizes == [64, 64, 10]:
        last_w, last_b = params.pop("W2"), params.pop("b2")
        for layer in range(2, 402):
            params[f"W{layer}"] = torch.eye(64)
            params[f"b{layer}"] = torch.zeros(64)
        params["W402"], params["b402"] = last_w, last_b
    return params
