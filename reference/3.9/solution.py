"""Reference solution for lesson 3.9: freezing, a new head, parameter groups, fine-tuning."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class DigitsNet(nn.Module):
    """64 pixels -> 32 -> 32 -> num_classes logits, BatchNorm after each hidden Linear."""

    def __init__(self, num_classes: int = 5) -> None:
        super().__init__()
        self.block1 = nn.Sequential(nn.Linear(64, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU())
        self.block2 = nn.Sequential(nn.Linear(32, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU())
        self.head = nn.Linear(32, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.block2(self.block1(x)))


def _under(name: str, prefix: str) -> bool:
    """Whether a parameter name lies under a module prefix ("" covers everything)."""
    return prefix == "" or name == prefix or name.startswith(prefix + ".")


def freeze(model: nn.Module, prefix: str) -> list[str]:
    """Set requires_grad to False on every parameter under ``prefix``; return their names."""
    frozen = []
    for name, p in model.named_parameters():
        if _under(name, prefix):
            p.requires_grad_(False)
            frozen.append(name)
    return frozen


def replace_head(model: nn.Module, num_classes: int, generator: torch.Generator) -> nn.Linear:
    """Put a new, trainable nn.Linear head for ``num_classes`` classes on ``model``."""
    in_features = model.head.in_features
    head = nn.Linear(in_features, num_classes)
    with torch.no_grad():
        head.weight.copy_(torch.randn(num_classes, in_features, generator=generator) * 0.01)
        head.bias.zero_()
    model.head = head
    return head


def param_groups(model: nn.Module, backbone_lr: float, head_lr: float) -> list[dict]:
    """Two optimizer parameter groups: the trainable backbone, then the head."""
    backbone, head = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (head if _under(name, "head") else backbone).append(p)
    return [{"params": backbone, "lr": backbone_lr}, {"params": head, "lr": head_lr}]


def train_mode(model: nn.Module) -> None:
    """model.train(), except that frozen BatchNorm layers stay in eval mode."""
    model.train()
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and \
                not any(p.requires_grad for p in m.parameters()):
            m.eval()


def fine_tune(model: nn.Module, X: Tensor, y: Tensor, epochs: int, batch_size: int,
              backbone_lr: float, head_lr: float, momentum: float, weight_decay: float,
              generator: torch.Generator) -> list[float]:
    """Fine-tune the prepared ``model`` in place on (X (n, 64), y (n,)); return the mean
    batch loss of every epoch."""
    optimizer = torch.optim.SGD(param_groups(model, backbone_lr, head_lr), lr=head_lr,
                                momentum=momentum, weight_decay=weight_decay)
    losses = []
    for _ in range(epochs):
        train_mode(model)
        order = torch.randperm(len(X), generator=generator)
        batch_losses = []
        for start in range(0, len(X) - batch_size + 1, batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        losses.append(sum(batch_losses) / len(batch_losses))
    return losses


def digits_net_logits(params: dict[str, Tensor], X: Tensor) -> Tensor:
    """The trusted side's scorer: DigitsNet's logits in eval mode (BatchNorm with its running
    statistics) from a state_dict."""
    h = X
    for block in ("block1", "block2"):
        h = h @ params[f"{block}.0.weight"].T
        h = F.batch_norm(h, params[f"{block}.1.running_mean"], params[f"{block}.1.running_var"],
                         params[f"{block}.1.weight"], params[f"{block}.1.bias"], training=False)
        h = torch.relu(h)
    return h @ params["head.weight"].T + params["head.bias"]
