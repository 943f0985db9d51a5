"""A correct 3.9 solution: prefixes compared part by part, a head filled in place, BatchNorm
found by name, SGD with momentum and weight decay written out by hand, the losses summed in
float64."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class DigitsNet(nn.Module):
    def __init__(self, num_classes: int = 5) -> None:
        super().__init__()
        self.block1 = nn.Sequential(nn.Linear(64, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU())
        self.block2 = nn.Sequential(nn.Linear(32, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU())
        self.head = nn.Linear(32, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.block2(self.block1(x)))


def _covers(prefix: str, name: str) -> bool:
    want = prefix.split(".") if prefix else []
    return name.split(".")[:len(want)] == want


def freeze(model: nn.Module, prefix: str) -> list[str]:
    names = [n for n, _ in model.named_parameters() if _covers(prefix, n)]
    params = dict(model.named_parameters())
    for n in names:
        params[n].requires_grad_(False)
    return names


def replace_head(model: nn.Module, num_classes: int, generator: torch.Generator) -> nn.Linear:
    old = model.head
    new = nn.Linear(old.in_features, num_classes, dtype=old.weight.dtype)
    w = torch.randn(num_classes, old.in_features, generator=generator)
    with torch.no_grad():
        new.weight.copy_(w / 100)
        new.bias.fill_(0.0)
    model.head = new
    return new


def param_groups(model: nn.Module, backbone_lr: float, head_lr: float) -> list[dict]:
    groups: list[dict] = [{"params": [], "lr": backbone_lr}, {"params": [], "lr": head_lr}]
    for name, p in model.named_parameters():
        if p.requires_grad:
            groups[1 if _covers("head", name) else 0]["params"].append(p)
    return groups


def train_mode(model: nn.Module) -> None:
    def set_mode(m: nn.Module) -> None:
        frozen_bn = "BatchNorm" in type(m).__name__ and \
            not any(p.requires_grad for p in m.parameters(recurse=False))
        m.training = not frozen_bn

    model.apply(set_mode)


def fine_tune(model: nn.Module, X: Tensor, y: Tensor, epochs: int, batch_size: int,
              backbone_lr: float, head_lr: float, momentum: float, weight_decay: float,
              generator: torch.Generator) -> list[float]:
    groups = param_groups(model, backbone_lr, head_lr)
    velocity: dict[int, Tensor] = {}
    out = []
    n_batches = len(X) // batch_size
    for _ in range(epochs):
        train_mode(model)
        order = torch.randperm(len(X), generator=generator)
        total = torch.zeros((), dtype=torch.float64)
        for b in range(n_batches):
            idx = order[b * batch_size:(b + 1) * batch_size]
            for g in groups:
                for p in g["params"]:
                    p.grad = None
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            with torch.no_grad():
                for g in groups:
                    for p in g["params"]:
                        if p.grad is None:
                            continue
                        d = p.grad + weight_decay * p
                        if id(p) in velocity:
                            d = velocity[id(p)].mul_(momentum).add_(d)
                        else:
                            velocity[id(p)] = d.clone()
                            d = velocity[id(p)]
                        p.sub_(g["lr"] * d)
            total += loss.detach().double()
        out.append((total / n_batches).item())
    return out
