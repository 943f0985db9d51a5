"""Returns lam * sum ||W||^2 instead of (lam / 2) * sum ||W||^2 (twice the decay)."""


def l2_penalty(model: nn.Module, lam: float) -> Tensor:
    total = torch.zeros(())
    for p in model.parameters():
        if p.dim() >= 2:
            total = total + (p * p).sum()
    return lam * total
