"""Reads the fans from the first two dimensions only, leaving out the kernel size."""


def fans(tensor: Tensor) -> tuple[int, int]:
    return tensor.shape[1], tensor.shape[0]
