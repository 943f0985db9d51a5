"""Returns a zero gradient for the bias, so b never moves."""


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    residual = predict(X, w, b) - y
    n = X.shape[0]
    return 2.0 / n * (X.T @ residual), torch.zeros_like(b)
