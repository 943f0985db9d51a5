"""Divides by ||a|| alone: not symmetric, and 0 / 0 = nan when both are zero."""


def relative_error(a: Tensor, b: Tensor) -> float:
    return ((a - b).norm() / a.norm()).item()
