"""Freezing by zeroing the gradient (a hook) instead of requires_grad_(False)."""


def freeze(model: nn.Module, prefix: str) -> list[str]:
    frozen = []
    for name, p in model.named_parameters():
        if _under(name, prefix):
            p.register_hook(torch.zeros_like)  # the gradient is zero, but it is still there
            frozen.append(name)
    return frozen
