"""Evaluates the sigmoid's derivative at sigmoid(x) instead of at x (sigmoid applied twice)."""


def sigmoid_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    s = torch.sigmoid(torch.sigmoid(x))
    return grad_out * s * (1 - s)
