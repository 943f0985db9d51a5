"""Sums the squared errors (and their gradient) over the batch instead of averaging."""


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    return ((y_pred - y) ** 2).sum()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    residual = predict(X, w, b) - y
    return 2.0 * (X.T @ residual), 2.0 * residual.sum()
