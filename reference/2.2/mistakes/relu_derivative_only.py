"""Returns ReLU's derivative, the 0/1 mask, without multiplying it by the incoming gradient."""


def relu_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    return (x > 0).to(grad_out.dtype)
