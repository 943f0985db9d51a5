"""Keeps each entry with probability p (the drop probability) instead of 1 - p."""


def dropout(x: Tensor, p: float, training: bool, generator: torch.Generator) -> Tensor:
    if not training:
        return x
    if p == 1.0:
        return torch.zeros_like(x)
    mask = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device) < p
    return x * mask / (1.0 - p)
