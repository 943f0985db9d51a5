"""Sums the squared errors over the samples instead of averaging them."""


def loss_grid(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    residual = w_values[:, None, None] * X + b_values[None, :, None] - y
    return (residual**2).sum(dim=-1)
