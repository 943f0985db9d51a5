"""Divides by ||b|| alone: not symmetric, and 0 / 0 = nan when both are zero."""


def relative_error(a: Tensor, b: Tensor) -> float:
    return ((a - b).norm() / b.norm()).item()
