"""Multiplies the survivors by 1 - p instead of dividing by it."""


def dropout(x: Tensor, p: float, training: bool, generator: torch.Generator) -> Tensor:
    if not training:
        return x
    if p == 1.0:
        return torch.zeros_like(x)
    keep = 1.0 - p
    mask = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device) < keep
    return x * mask * keep
