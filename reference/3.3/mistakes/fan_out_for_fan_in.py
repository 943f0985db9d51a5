"""Fans swapped: fan_in taken from the rows (size(0)) and fan_out from the columns."""


def fans(tensor: Tensor) -> tuple[int, int]:
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[0] * receptive, tensor.shape[1] * receptive
