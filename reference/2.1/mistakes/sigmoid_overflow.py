"""Computes sigmoid as exp(x) / (1 + exp(x)): inf / inf = NaN once exp(x) overflows."""


def sigmoid(x: Tensor) -> Tensor:
    e = torch.exp(x)
    return e / (1 + e)
