"""Every backbone parameter in the first group, frozen or not."""


def param_groups(model: nn.Module, backbone_lr: float, head_lr: float) -> list[dict]:
    backbone = [p for name, p in model.named_parameters() if not _under(name, "head")]
    head = [p for name, p in model.named_parameters() if _under(name, "head")]
    return [{"params": backbone, "lr": backbone_lr}, {"params": head, "lr": head_lr}]
