"""A correct 3.6 solution: vectorised norms (torch.cat, torch.linalg), a DataLoader-free
loop with torch.split, and a diagnosis written with early returns."""

import math

import torch
from torch import Tensor, nn
from torch.nn import functional


def _flat(tensors: list[Tensor]) -> Tensor:
    return torch.cat([t.reshape(-1) for t in tensors])


class TrainingMonitor:
    def __init__(self) -> None:
        self.history = {"loss": [], "grad_norm": [], "lr": [], "update_ratio": []}
        self.previous: Tensor | None = None

    def before_step(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                    loss: Tensor) -> None:
        params = list(model.parameters())
        self.history["loss"].append(loss.item())
        grads = _flat([p.grad for p in params if p.grad is not None])
        self.history["grad_norm"].append(torch.linalg.vector_norm(grads).item())
        self.history["lr"].append(float(optimizer.param_groups[0]["lr"]))
        self.previous = _flat([p.detach() for p in params]).clone()

    def after_step(self, model: nn.Module) -> None:
        now = _flat([p.detach() for p in model.parameters()])
        ratio = torch.linalg.vector_norm(now - self.previous) / torch.linalg.vector_norm(
            self.previous)
        self.history["update_ratio"].append(ratio.item())


def _explosion(train: list[float]) -> bool:
    finite = []
    for v in train:
        if not math.isfinite(v):
            break
        finite.append(v)
    return len(finite) > 1 and any(v > 10 * finite[0] for v in finite[1:])


def diagnose(history: dict[str, list[float]]) -> list[str]:
    train, val = history["train_loss"], history["val_loss"]
    t = torch.tensor(train + val, dtype=torch.float64)
    if t.numel() and not bool(torch.isfinite(t).all()):
        return ["nan", "explosion"] if _explosion(train) else ["nan"]
    out = ["explosion"] if _explosion(train) else []
    if len(train) > 10 and abs(train[-1] - train[-11]) < 0.01 * abs(train[-11]):
        out.append("plateau")
    if len(val) > 0:
        b = min(range(len(val)), key=val.__getitem__)
        if val[-1] > 1.1 * val[b] and train[-1] < train[b]:
            out.append("overfitting")
    return out


def train(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor, y_val: Tensor,
          epochs: int, lr: float, batch_size: int,
          generator: torch.Generator) -> dict[str, list[float]]:
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(X), generator=generator)
        losses = []
        for idx in torch.split(order, batch_size):
            for p in model.parameters():
                p.grad = None
            loss = functional.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        history["train_loss"].append(torch.stack(losses).mean().item())
        model.eval()
        with torch.inference_mode():
            history["val_loss"].append(functional.cross_entropy(model(X_val), y_val).item())
    return history
