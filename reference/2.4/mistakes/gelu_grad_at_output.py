"""Evaluates GELU's derivative at the activation's output gelu(x) instead of at the input x."""

_gelu_grad_at = gelu_grad


def gelu_grad(x: Tensor, approximate: str = "none") -> Tensor:
    return _gelu_grad_at(gelu(x, approximate), approximate)
