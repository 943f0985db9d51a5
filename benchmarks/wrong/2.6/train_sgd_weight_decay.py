"""sgd_weight_decay_too: SGD's own weight_decay on top of the penalty, decaying twice (and the biases)."""
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
    opt = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = []
    for epoch in range(epochs):
        perm = torch.randperm(len(X), generator=generator)
        for i in range(0, len(X), batch_size):
            b = perm[i:i + batch_size]
            loss = F.cross_entropy(model(X[b]), y[b]) + l2_penalty(model, weight_decay)
            opt.zero_grad()
            loss.backward()
            opt.step()
            history.append(float(loss))
    return history
