"""A correct 3.6 solution with float64 accumulation, explicit loops and a while-loop trainer."""

import math

import matplotlib.pyplot as plt  # noqa: F401 - students plot; it must import in the sandbox
import torch
import torch.nn.functional as F
from torch import Tensor, nn


class TrainingMonitor:
    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        for key in ("loss", "grad_norm", "lr", "update_ratio"):
            self.history[key] = []
        self.snapshot: dict[str, Tensor] = {}

    def before_step(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                    loss: Tensor) -> None:
        self.history["loss"].append(float(loss.detach()))
        total = 0.0
        for p in model.parameters():
            if p.grad is not None:
                total += float((p.grad.double() ** 2).sum())
        self.history["grad_norm"].append(math.sqrt(total))
        self.history["lr"].append(optimizer.param_groups[0]["lr"])
        self.snapshot = {name: p.detach().double().clone()
                         for name, p in model.named_parameters()}

    def after_step(self, model: nn.Module) -> None:
        num = den = 0.0
        for name, p in model.named_parameters():
            old = self.snapshot[name]
            num += float(((p.detach().double() - old) ** 2).sum())
            den += float((old ** 2).sum())
        self.history["update_ratio"].append(math.sqrt(num / den))


def diagnose(history: dict[str, list[float]]) -> list[str]:
    train = list(history["train_loss"])
    val = list(history["val_loss"])
    broken = False
    for v in train + val:
        if math.isnan(v) or math.isinf(v):
            broken = True
    exploded = False
    first_bad = len(train)
    for i, v in enumerate(train):
        if not math.isfinite(v):
            first_bad = i
            break
    for i in range(1, first_bad):
        if train[i] > 10 * train[0]:
            exploded = True
    plateau = overfit = False
    if not broken:
        T = len(train)
        if T >= 11:
            plateau = abs(train[T - 1] - train[T - 11]) / abs(train[T - 11]) < 0.01
        if T >= 1:
            b = min(range(T), key=lambda i: (val[i], i))
            overfit = val[T - 1] > 1.1 * val[b] and train[T - 1] < train[b]
    flags = {"nan": broken, "explosion": exploded, "plateau": plateau, "overfitting": overfit}
    return [word for word, on in flags.items() if on]


def train(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor, y_val: Tensor,
          epochs: int, lr: float, batch_size: int,
          generator: torch.Generator) -> dict[str, list[float]]:
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    train_losses: list[float] = []
    val_losses: list[float] = []
    for _epoch in range(epochs):
        model.train()
        perm = torch.randperm(X.shape[0], generator=generator)
        batch_losses = []
        i = 0
        while i < len(perm):
            idx = perm[i:i + batch_size]
            opt.zero_grad(set_to_none=False)
            out = model(X[idx])
            loss = F.cross_entropy(out, y[idx])
            loss.backward()
            opt.step()
            batch_losses.append(loss.item())
            i += batch_size
        train_losses.append(math.fsum(batch_losses) / len(batch_losses))
        model.eval()
        with torch.no_grad():
            val_losses.append(float(F.cross_entropy(model(X_val), y_val)))
    return {"train_loss": train_losses, "val_loss": val_losses}
