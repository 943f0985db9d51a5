"""Reference solution for lesson 2.6: regularization and overfitting (hidden from students)."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def l2_penalty(model: nn.Module, lam: float) -> Tensor:
    """(lam / 2) times the sum of squares of every weight matrix (the parameters with two or
    more dimensions); biases are not penalised. Differentiable: add it to the loss."""
    total = torch.zeros(())
    for p in model.parameters():
        if p.dim() >= 2:
            total = total + (p * p).sum()
    return lam / 2 * total


def dropout(x: Tensor, p: float, training: bool, generator: torch.Generator) -> Tensor:
    """Inverted dropout: in training, zero each entry with probability p and scale the
    survivors by 1 / (1 - p), so the expected value is x; in evaluation, x itself."""
    if not training:
        return x
    if p == 1.0:
        return torch.zeros_like(x)  # 1 / (1 - p) would be inf, and 0 * inf is NaN
    keep = 1.0 - p
    mask = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device) < keep
    return x * mask / keep


def train(model: nn.Module, X: Tensor, y: Tensor, lr: float, weight_decay: float, epochs: int,
          batch_size: int, generator: torch.Generator) -> list[float]:
    """Mini-batch SGD on cross-entropy + l2_penalty(model, weight_decay); the model is
    trained in place. Returns the loss (penalty included) of every step."""
    n = X.shape[0]
    losses: list[float] = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx]) + l2_penalty(model, weight_decay)
            model.zero_grad()
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= lr * p.grad
            losses.append(loss.item())
    return losses


# ---- oracles used by the grading spec (not part of the exercise) ----

def dropout_expectation(x: Tensor, p: float) -> tuple[float, Tensor]:
    """What inverted dropout promises: each entry kept with probability 1 - p, and a kept
    entry equal to x / (1 - p)."""
    return 1.0 - p, x / (1.0 - p)


def mlp_logits(state: dict[str, Tensor], X: Tensor) -> Tensor:
    """The logits of an nn.Sequential of Linear layers with ReLU between them, from its
    state dict ({"0.weight", "0.bias", "2.weight", ...})."""
    layers = sorted({int(k.split(".")[0]) for k in state})
    out = X
    for i, layer in enumerate(layers):
        out = out @ state[f"{layer}.weight"].T + state[f"{layer}.bias"]
        if i < len(layers) - 1:
            out = out.clamp(min=0)
    return out
