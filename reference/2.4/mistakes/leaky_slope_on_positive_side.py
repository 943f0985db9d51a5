"""Swaps torch.where's branches: the slope scales the positive side, negatives pass through."""


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return torch.where(x < 0, x, x * negative_slope)
