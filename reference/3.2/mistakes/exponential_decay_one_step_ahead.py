"""Decays already at step 0: lr0 * gamma ** (step + 1), so the schedule never starts at lr0."""


def exponential_decay(step: int, lr0: float, gamma: float) -> float:
    return lr0 * gamma ** (step + 1)
