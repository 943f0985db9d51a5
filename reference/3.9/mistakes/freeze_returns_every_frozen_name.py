"""Returns every frozen parameter of the model, also those an earlier call froze."""


def freeze(model: nn.Module, prefix: str) -> list[str]:
    for name, p in model.named_parameters():
        if _under(name, prefix):
            p.requires_grad_(False)
    return [name for name, p in model.named_parameters() if not p.requires_grad]
