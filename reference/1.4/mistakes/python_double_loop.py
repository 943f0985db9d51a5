"""Fills the grid with a Python double loop: right values, far too slow."""


def loss_grid(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    out = torch.empty(len(w_values), len(b_values), dtype=X.dtype)
    for i in range(len(w_values)):
        for j in range(len(b_values)):
            out[i, j] = ((w_values[i] * X + b_values[j] - y) ** 2).mean()
    return out
