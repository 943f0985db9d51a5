"""loop_missing_zero_grad: the fixed loop still never zeroes the gradients."""
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class TrainingMonitor:
    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {"loss": [], "grad_norm": [], "lr": [],
                                                "update_ratio": []}
        self._before: list[Tensor] = []

    def before_step(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                    loss: Tensor) -> None:
        self.history["loss"].append(loss.item())
        sq = 0.0
        for p in model.parameters():
            if p.grad is not None:
                sq += float((p.grad ** 2).sum())
        self.history["grad_norm"].append(math.sqrt(sq))
        self.history["lr"].append(float(optimizer.param_groups[0]["lr"]))
        self._before = [p.detach().clone() for p in model.parameters()]

    def after_step(self, model: nn.Module) -> None:
        diff = 0.0
        norm = 0.0
        for p, old in zip(model.parameters(), self._before):
            diff += float(((p.detach() - old) ** 2).sum())
            norm += float((old ** 2).sum())
        self.history["update_ratio"].append(math.sqrt(diff) / math.sqrt(norm))


def diagnose(history: dict[str, list[float]]) -> list[str]:
    train = history["train_loss"]
    val = history["val_loss"]
    out = []
    bad = [t for t in range(len(train)) if not math.isfinite(train[t]) or not math.isfinite(val[t])]
    nan = bool(bad)
    if nan:
        out.append("nan")
    first_bad = next((t for t, v in enumerate(train) if not math.isfinite(v)), len(train))
    finite = train[:first_bad]
    if len(finite) >= 2 and max(finite) > 10 * finite[0]:
        out.append("explosion")
    if not nan:
        T = len(train)
        if T >= 11 and abs(train[-1] - train[-11]) < 0.01 * abs(train[-11]):
            out.append("plateau")
        if T > 0:
            b = min(range(T), key=lambda t: val[t])
            if val[-1] > 1.1 * val[b] and train[-1] < train[b]:
                out.append("overfitting")
    return out


def train(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor, y_val: Tensor,
          epochs: int, lr: float, batch_size: int,
          generator: torch.Generator) -> dict[str, list[float]]:
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
    n = len(X)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n, generator=generator)
        total, count = 0.0, 0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total += loss.item()
            count += 1
        history["train_loss"].append(total / count)
        model.eval()
        with torch.no_grad():
            history["val_loss"].append(F.cross_entropy(model(X_val), y_val).item())
    return history
