"""Forgets the factor 2 from the derivative of the square."""


def mse_backward(y_pred: Tensor, y: Tensor) -> Tensor:
    return (y_pred - y) / y_pred.numel()
