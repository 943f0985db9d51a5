"""Penalises the norm of each weight matrix, (lam / 2) * ||W||, instead of its square."""


def l2_penalty(model: nn.Module, lam: float) -> Tensor:
    total = torch.zeros(())
    for p in model.parameters():
        if p.dim() >= 2:
            total = total + torch.linalg.norm(p)
    return lam / 2 * total
