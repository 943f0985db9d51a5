"""Divides by ||a|| + ||b|| instead of max(||a||, ||b||, 1e-12)."""


def relative_error(a: Tensor, b: Tensor) -> float:
    return (a - b).norm().item() / (a.norm().item() + b.norm().item() + 1e-12)
