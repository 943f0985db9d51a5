"""A correct 3.7 solution: a per-image loop for the shifts (roll, then zero the wrapped
edge), a one-hot smoothed target, and early stopping that clones tensors by hand."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class EarlyStopping:
    def __init__(self, patience: int, min_delta: float) -> None:
        self.patience, self.min_delta = patience, min_delta
        self.best: float | None = None
        self.wait = 0
        self.saved: dict[str, Tensor] = {}

    def step(self, val_loss: float, model: nn.Module) -> bool:
        if self.best is None or self.best - val_loss > self.min_delta:
            self.best = val_loss
            self.wait = 0
            self.saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        self.wait = self.wait + 1
        if self.wait <= self.patience:
            return False
        with torch.no_grad():
            for k, v in model.state_dict().items():
                v.copy_(self.saved[k])
        return True


def label_smoothing_ce(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    n, k = logits.shape
    q = torch.full((n, k), eps / k, dtype=logits.dtype)
    q[torch.arange(n), target] += 1 - eps
    logp = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return -(q * logp).sum() / n


def augment(images: Tensor, generator: torch.Generator) -> Tensor:
    shifts = torch.randint(-1, 2, (images.shape[0], 2), generator=generator)
    out = []
    for img, (dy, dx) in zip(images.reshape(-1, 8, 8), shifts.tolist(), strict=True):
        moved = torch.roll(img, shifts=(dy, dx), dims=(0, 1)).clone()
        if dy == 1:
            moved[0, :] = 0
        elif dy == -1:
            moved[-1, :] = 0
        if dx == 1:
            moved[:, 0] = 0
        elif dx == -1:
            moved[:, -1] = 0
        out.append(moved.reshape(64))
    return torch.stack(out)


def accuracy(model: nn.Module, X: Tensor, y: Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return (model(X).argmax(dim=1) == y).double().mean().item()


def train_with_augmentation(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor,
                            y_val: Tensor, epochs: int, lr: float, batch_size: int,
                            generator: torch.Generator) -> list[float]:
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    history = []
    for _epoch in range(epochs):
        model.train()
        perm = torch.randperm(X.shape[0], generator=generator)
        for idx in perm.split(batch_size):
            xb = augment(X[idx], generator)
            opt.zero_grad()
            F.cross_entropy(model(xb), y[idx]).backward()
            opt.step()
        history.append(accuracy(model, X_val, y_val))
    return history
