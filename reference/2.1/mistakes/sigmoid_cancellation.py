"""Computes sigmoid of negative x as 1 - 1 / (1 + exp(x)), cancelling every significant digit."""


def sigmoid(x: Tensor) -> Tensor:
    positive = x >= 0
    z = torch.exp(torch.where(positive, -x, x))
    return torch.where(positive, 1 / (1 + z), 1 - 1 / (1 + z))
