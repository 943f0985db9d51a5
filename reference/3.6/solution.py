"""Reference solution for lesson 3.6: monitoring and debugging a training loop."""

import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import Tensor, nn


class TrainingMonitor:
    """Records, per optimizer step, the loss, the global gradient norm, the learning rate
    and the update/weight ratio, as lists of Python floats in ``self.history``."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {
            "loss": [], "grad_norm": [], "lr": [], "update_ratio": []}
        self._before: list[Tensor] = []

    def before_step(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                    loss: Tensor) -> None:
        """Call after ``loss.backward()`` and before ``optimizer.step()``."""
        self.history["loss"].append(loss.item())
        squares = [p.grad.detach().pow(2).sum() for p in model.parameters()
                   if p.grad is not None]
        self.history["grad_norm"].append(torch.stack(squares).sum().sqrt().item())
        self.history["lr"].append(float(optimizer.param_groups[0]["lr"]))
        self._before = [p.detach().clone() for p in model.parameters()]

    def after_step(self, model: nn.Module) -> None:
        """Call after ``optimizer.step()``."""
        update = sum(((p.detach() - b) ** 2).sum() for p, b in
                     zip(model.parameters(), self._before, strict=True))
        weight = sum((b ** 2).sum() for b in self._before)
        self.history["update_ratio"].append(math.sqrt(float(update)) / math.sqrt(float(weight)))


def diagnose(history: dict[str, list[float]]) -> list[str]:
    """The diagnoses of a training history, from the fixed vocabulary, in this order:
    "nan", "explosion", "plateau", "overfitting"."""
    train, val = history["train_loss"], history["val_loss"]
    found: list[str] = []
    nan = not all(math.isfinite(v) for v in train + val)
    if nan:
        found.append("nan")
    finite: list[float] = []
    for v in train:
        if not math.isfinite(v):
            break
        finite.append(v)
    if len(finite) >= 2 and max(finite) > 10 * finite[0]:
        found.append("explosion")
    if nan:
        return found
    if len(train) >= 11 and abs(train[-1] - train[-11]) < 0.01 * abs(train[-11]):
        found.append("plateau")
    if val:
        best = val.index(min(val))
        if val[-1] > 1.1 * val[best] and train[-1] < train[best]:
            found.append("overfitting")
    return found


def train(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor, y_val: Tensor,
          epochs: int, lr: float, batch_size: int,
          generator: torch.Generator) -> dict[str, list[float]]:
    """Train ``model`` with SGD (momentum 0.9) on mini-batches of a fresh permutation per
    epoch; return the mean training loss and the validation loss of every epoch."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
    n = len(X)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n, generator=generator)
        total, count = 0.0, 0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
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


if __name__ == "__main__":
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
    Xs, ys = torch.randn(200, 4), torch.randint(0, 3, (200,))
    hist = train(net, Xs[:150], ys[:150], Xs[150:], ys[150:], 20, 0.05, 16,
                 torch.Generator().manual_seed(0))
    print(diagnose(hist))
    plt.plot(hist["train_loss"], label="train")
    plt.plot(hist["val_loss"], label="validation")
    plt.legend()
    plt.show()
