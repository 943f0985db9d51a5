"""A correct 3.9 solution: freezing through get_submodule, a head of new Parameters, groups
by identity, batches from Tensor.split and the loss mean as a tensor."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


class DigitsNet(nn.Module):
    def __init__(self, num_classes: int = 5) -> None:
        super().__init__()
        self.block1 = nn.Sequential(nn.Linear(64, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU())
        self.block2 = nn.Sequential(nn.Linear(32, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU())
        self.head = nn.Linear(32, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.block2(self.block1(x)))


def freeze(model: nn.Module, prefix: str) -> list[str]:
    try:
        target = model.get_submodule(prefix)
    except AttributeError:
        target = None
    if target is None:  # a single parameter, or nothing at all
        try:
            param = model.get_parameter(prefix)
        except AttributeError:
            return []
        param.requires_grad = False
        return [prefix]
    target.requires_grad_(False)
    dot = prefix + "." if prefix else ""
    return [dot + name for name, _ in target.named_parameters()]


def replace_head(model: nn.Module, num_classes: int, generator: torch.Generator) -> nn.Linear:
    fan_in = model.head.weight.shape[1]
    head = nn.Linear(fan_in, num_classes)
    head.weight = nn.Parameter(0.01 * torch.randn(num_classes, fan_in, generator=generator))
    head.bias = nn.Parameter(torch.zeros(num_classes))
    model.add_module("head", head)  # replaces the old one
    return head


def param_groups(model: nn.Module, backbone_lr: float, head_lr: float) -> list[dict]:
    in_head = {id(p) for p in model.head.parameters()}
    trainable = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in trainable if id(p) not in in_head], "lr": backbone_lr},
        {"params": [p for p in trainable if id(p) in in_head], "lr": head_lr},
    ]


def train_mode(model: nn.Module) -> None:
    model.train(True)
    for m in model.modules():
        if isinstance(m, BATCH_NORMS) and all(not p.requires_grad for p in m.parameters()):
            m.train(False)


def fine_tune(model: nn.Module, X: Tensor, y: Tensor, epochs: int, batch_size: int,
              backbone_lr: float, head_lr: float, momentum: float, weight_decay: float,
              generator: torch.Generator) -> list[float]:
    opt = torch.optim.SGD(param_groups(model, backbone_lr, head_lr), lr=head_lr,
                          momentum=momentum, weight_decay=weight_decay)
    history = []
    for _ in range(epochs):
        train_mode(model)
        perm = torch.randperm(X.shape[0], generator=generator)
        batches = [b for b in perm.split(batch_size) if len(b) == batch_size]
        losses = []
        for idx in batches:
            opt.zero_grad(set_to_none=True)
            loss = F.nll_loss(F.log_softmax(model(X[idx]), dim=1), y[idx])
            loss.backward()
            opt.step()
            losses.append(loss.detach())
        history.append(torch.stack(losses).mean().item())
    return history
