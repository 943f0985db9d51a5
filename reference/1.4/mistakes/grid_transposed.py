"""Builds the grid with meshgrid's default 'xy' indexing, so rows follow b and columns w."""


def loss_grid(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    W, B = torch.meshgrid(w_values, b_values, indexing="xy")  # (nb, nw) each
    residual = W[..., None] * X + B[..., None] - y
    return (residual**2).mean(dim=-1)
