"""Computes sigmoid as 1 / (1 + exp(-x)): right values, but exp(-x) overflows and the gradient is NaN."""


def sigmoid(x: Tensor) -> Tensor:
    return 1 / (1 + torch.exp(-x))
