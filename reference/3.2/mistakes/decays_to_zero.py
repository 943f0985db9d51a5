"""Decays from lr_max to 0 instead of to lr_min (lr_min left out of the cosine)."""


def warmup_cosine(step: int, total: int, warmup: int, lr_max: float, lr_min: float) -> float:
    if step < warmup:
        return lr_max * (step + 1) / warmup
    progress = (step - warmup) / (total - warmup)
    return 0.5 * lr_max * (1.0 + math.cos(math.pi * progress))
