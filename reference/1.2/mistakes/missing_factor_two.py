"""Forgets the 2 that comes down from the square in the gradient."""


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    residual = predict(X, w, b) - y
    n = X.shape[0]
    return (X.T @ residual) / n, residual.mean()
