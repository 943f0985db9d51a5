"""drops_last_batch: the loop covers n // batch_size full batches, the partial one is never trained on."""
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
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for k in range(n // batch_size):
            idx = order[k * batch_size:(k + 1) * batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx]) + l2_penalty(model, weight_decay)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses
