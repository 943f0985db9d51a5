"""Divides by max(||a||, ||b||) without the 1e-12 floor: 0 / 0 = nan for two zero tensors."""


def relative_error(a: Tensor, b: Tensor) -> float:
    return ((a - b).norm() / torch.maximum(a.norm(), b.norm())).item()
