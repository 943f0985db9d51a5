"""No special case for p = 1: 0 * x / (1 - 1) is 0 / 0, NaN everywhere."""


def dropout(x: Tensor, p: float, training: bool, generator: torch.Generator) -> Tensor:
    if not training:
        return x
    keep = 1.0 - p
    mask = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device) < keep
    return x * mask / keep
