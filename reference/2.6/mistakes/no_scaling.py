"""Zeroes the dropped entries but does not scale the survivors by 1 / (1 - p)."""


def dropout(x: Tensor, p: float, training: bool, generator: torch.Generator) -> Tensor:
    if not training:
        return x
    if p == 1.0:
        return torch.zeros_like(x)
    mask = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device) < 1.0 - p
    return x * mask
