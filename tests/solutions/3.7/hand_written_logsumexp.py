"""A correct 3.7 solution: label smoothing from a hand-written stable logsumexp (the row's
largest logit subtracted before exponentiating) and a one-hot target mixed with the uniform
one, early stopping that clones the state_dict's tensors, shifts cut out of a zero-padded
image one image at a time, and batches walked by index."""

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class EarlyStopping:
    def __init__(self, patience: int, min_delta: float) -> None:
        self.patience = patience
        self.min_delta = min_delta
        self.best = math.inf
        self.waited = 0
        self.saved: dict[str, Tensor] = {}

    def step(self, val_loss: float, model: nn.Module) -> bool:
        if self.best - val_loss > self.min_delta:
            self.best = val_loss
            self.waited = 0
            self.saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        self.waited += 1
        if self.waited <= self.patience:
            return False
        model.load_state_dict(self.saved)
        return True


def label_smoothing_ce(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    n, k = logits.shape
    top = logits.max(dim=1, keepdim=True).values.detach()
    lse = top + torch.log(torch.exp(logits - top).sum(dim=1, keepdim=True))
    logp = logits - lse
    q = (1 - eps) * F.one_hot(target, k).to(logits.dtype) + eps / k
    return -(q * logp).sum() / n


def augment(images: Tensor, generator: torch.Generator) -> Tensor:
    n = images.shape[0]
    shifts = torch.randint(-1, 2, (n, 2), generator=generator)
    out = torch.empty_like(images)
    for i in range(n):
        dy, dx = int(shifts[i, 0]), int(shifts[i, 1])
        padded = F.pad(images[i].reshape(8, 8), (1, 1, 1, 1))
        out[i] = padded[1 - dy:9 - dy, 1 - dx:9 - dx].reshape(64)
    return out


def accuracy(model: nn.Module, X: Tensor, y: Tensor) -> float:
    model.eval()
    with torch.no_grad():
        hits = int((model(X).argmax(dim=1) == y).sum())
    return hits / len(y)


def train_with_augmentation(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor,
                            y_val: Tensor, epochs: int, lr: float, batch_size: int,
                            generator: torch.Generator) -> list[float]:
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    accuracies = []
    n = X.shape[0]
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n, generator=generator)
        start = 0
        while start < n:
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            F.cross_entropy(model(augment(X[idx], generator)), y[idx]).backward()
            optimizer.step()
            start += batch_size
        accuracies.append(accuracy(model, X_val, y_val))
    return accuracies
