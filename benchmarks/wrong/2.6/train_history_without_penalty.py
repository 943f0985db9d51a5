"""history_without_penalty: the recorded loss leaves the penalty out."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn


def l2_penalty(model: nn.Module, lam: float) -> Tensor:
    total = torch.zeros(())
    for p in model.parameters():
        if p.dim() >= 2:
            total = total + (p ** 2).sum()
    return lam / 2 * total


def dropout(x: Tensor, p: float, training: bool, generator: torch.Generator) -> Tensor:
    if not training or p == 0:
        return x
    if p == 1:
        return torch.zeros_like(x)
    mask = torch.rand(x.shape, generator=generator) < 1 - p
    return x * mask / (1 - p)


def train(model: nn.Module, X: Tensor, y: Tensor, lr: float, weight_decay: float, epochs: int,
          batch_size: int, generator: torch.Generator) -> list[float]:
    losses = []
    n = X.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            data_loss = F.cross_entropy(model(X[idx]), y[idx])
            loss = data_loss + l2_penalty(model, weight_decay)
            model.zero_grad()
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= lr * p.grad
            losses.append(data_loss.item())
    return losses
