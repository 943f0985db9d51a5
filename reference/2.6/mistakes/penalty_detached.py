"""Builds the penalty from .item() values: a constant tensor autograd cannot differentiate."""


def l2_penalty(model: nn.Module, lam: float) -> Tensor:
    total = sum((p * p).sum().item() for p in model.parameters() if p.dim() >= 2)
    return torch.tensor(lam / 2 * total)
