"""Measures the cosine's progress over `total` steps instead of the `total - warmup` after warmup."""


def warmup_cosine(step: int, total: int, warmup: int, lr_max: float, lr_min: float) -> float:
    if step < warmup:
        return lr_max * (step + 1) / warmup
    progress = (step - warmup) / total
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + math.cos(math.pi * progress))
