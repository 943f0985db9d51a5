"""Forgets the 1/(N k) of the mean: the gradient of the summed, not the mean, squared error."""


def mse_backward(y_pred: Tensor, y: Tensor) -> Tensor:
    return 2 * (y_pred - y)
