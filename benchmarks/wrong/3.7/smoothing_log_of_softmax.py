"""log_of_softmax: torch.log(torch.softmax(logits)) instead of log_softmax, -inf once a probability underflows to 0."""
import copy
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class EarlyStopping:
    def __init__(self, patience: int, min_delta: float) -> None:
        self.patience = patience
        self.min_delta = min_delta
        self.best = math.inf
        self.bad = 0
        self.best_state: dict[str, Tensor] | None = None

    def step(self, val_loss: float, model: nn.Module) -> bool:
        if val_loss < self.best - self.min_delta:
            self.best = val_loss
            self.bad = 0
            self.best_state = copy.deepcopy(model.state_dict())
            return False
        self.bad += 1
        if self.bad > self.patience:
            model.load_state_dict(self.best_state)
            return True
        return False


def label_smoothing_ce(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    K = logits.shape[1]
    probs = torch.softmax(logits, dim=1)
    q = torch.full_like(probs, eps / K)
    q[torch.arange(len(target)), target] += 1 - eps
    return -(q * torch.log(probs)).sum(dim=1).mean()


def augment(images: Tensor, generator: torch.Generator) -> Tensor:
    n = images.shape[0]
    shifts = torch.randint(-1, 2, (n, 2), generator=generator)
    imgs = images.reshape(n, 8, 8)
    out = torch.zeros_like(imgs)
    for i in range(n):
        dy, dx = int(shifts[i, 0]), int(shifts[i, 1])
        for r in range(8):
            for c in range(8):
                if 0 <= r - dy < 8 and 0 <= c - dx < 8:
                    out[i, r, c] = imgs[i, r - dy, c - dx]
    return out.reshape(n, 64)


def accuracy(model: nn.Module, X: Tensor, y: Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return (model(X).argmax(dim=1) == y).float().mean().item()


def train_with_augmentation(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor,
                            y_val: Tensor, epochs: int, lr: float, batch_size: int,
                            generator: torch.Generator) -> list[float]:
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    accs = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(augment(X[idx], generator)), y[idx])
            loss.backward()
            optimizer.step()
        accs.append(accuracy(model, X_val, y_val))
    return accs
