"""Computes sigma'(x) as exp(-x) / (1 + exp(-x))^2: inf / inf = NaN for very negative x."""


def sigmoid_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    e = torch.exp(-x)
    return grad_out * e / (1 + e) ** 2
