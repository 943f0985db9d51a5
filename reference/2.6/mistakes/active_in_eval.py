"""Ignores `training`: drops and rescales entries in evaluation mode too."""


def dropout(x: Tensor, p: float, training: bool, generator: torch.Generator) -> Tensor:
    if p == 1.0:
        return torch.zeros_like(x)
    keep = 1.0 - p
    mask = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device) < keep
    return x * mask / keep
