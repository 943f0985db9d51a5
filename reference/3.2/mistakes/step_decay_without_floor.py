"""Divides step by step_size without flooring: a smooth exponential instead of a staircase."""


def step_decay(step: int, lr0: float, step_size: int, gamma: float) -> float:
    return lr0 * gamma ** (step / step_size)
