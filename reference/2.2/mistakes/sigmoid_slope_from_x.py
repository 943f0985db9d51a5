"""Uses x itself in sigma (1 - sigma), as if x were already sigmoid(x)."""


def sigmoid_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    return grad_out * x * (1 - x)
