"""Returns negative_slope itself on the negative side instead of negative_slope * x."""


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return torch.where(x > 0, x, torch.full_like(x, negative_slope))
