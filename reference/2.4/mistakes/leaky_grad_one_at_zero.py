"""Takes leaky ReLU's derivative as 1 for x >= 0, so it is 1 (not negative_slope) at x = 0."""


def leaky_relu_grad(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return torch.where(x >= 0, torch.ones_like(x), torch.full_like(x, negative_slope))
