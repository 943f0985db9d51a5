"""batchnorm_statistics_updated: train_mode just calls model.train(), frozen BatchNorm included."""
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


def freeze(model: nn.Module, prefix: str) -> list[str]:
    names = []
    for name, param in model.named_parameters():
        if prefix == "" or name == prefix or name.startswith(prefix + "."):
            param.requires_grad = False
            names.append(name)
    return names


def replace_head(model: nn.Module, num_classes: int, generator: torch.Generator) -> nn.Linear:
    in_features = model.head.in_features
    new_head = nn.Linear(in_features, num_classes)
    w = torch.randn(num_classes, in_features, generator=generator) * 0.01
    new_head.weight = nn.Parameter(w)
    new_head.bias = nn.Parameter(torch.zeros(num_classes))
    model.head = new_head
    return new_head


def param_groups(model: nn.Module, backbone_lr: float, head_lr: float) -> list[dict]:
    backbone = [p for n, p in model.named_parameters()
                if p.requires_grad and not n.startswith("head.")]
    head = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("head.")]
    return [{"params": backbone, "lr": backbone_lr}, {"params": head, "lr": head_lr}]


def train_mode(model: nn.Module) -> None:
    model.train()


def fine_tune(model: nn.Module, X: Tensor, y: Tensor, epochs: int, batch_size: int,
              backbone_lr: float, head_lr: float, momentum: float, weight_decay: float,
              generator: torch.Generator) -> list[float]:
    groups = param_groups(model, backbone_lr, head_lr)
    optimizer = torch.optim.SGD(groups, lr=head_lr, momentum=momentum,
                                weight_decay=weight_decay)
    history = []
    n = len(X)
    for epoch in range(epochs):
        train_mode(model)
        order = torch.randperm(n, generator=generator)
        epoch_losses = []
        start = 0
        while start + batch_size <= n:
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
            epoch_losses.append(loss.item())
            start += batch_size
        history.append(sum(epoch_losses) / len(epoch_losses))
    return history
