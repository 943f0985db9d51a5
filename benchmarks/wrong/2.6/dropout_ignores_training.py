"""active_in_eval: the training flag is never read, so dropout also runs in evaluation."""
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
    if p >= 1:
        return torch.zeros_like(x)
    keep = torch.rand(x.shape, generator=generator) < (1 - p)
    return torch.where(keep, x / (1 - p), torch.zeros_like(x))


def train(model: nn.Module, X: Tensor, y: Tensor, lr: float, weight_decay: float, epochs: int,
          batch_size: int, generator: torch.Generator) -> list[float]:
    losses = []
    n = X.shape[0]
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx]) + l2_penalty(model, weight_decay)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses
