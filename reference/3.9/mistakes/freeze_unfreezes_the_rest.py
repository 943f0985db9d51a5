"""freeze sets requires_grad on every parameter: a second call unfreezes what the first froze."""


def freeze(model: nn.Module, prefix: str) -> list[str]:
    frozen = []
    for name, p in model.named_parameters():
        p.requires_grad_(not _under(name, prefix))
        if _under(name, prefix):
            frozen.append(name)
    return frozen
