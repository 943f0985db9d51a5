"""Masks ReLU's backward where the incoming gradient is positive instead of where x was."""


def relu_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    return grad_out * (grad_out > 0)
