"""Ends warmup one step late (step <= warmup): the first step after warmup overshoots lr_max."""


def warmup_cosine(step: int, total: int, warmup: int, lr_max: float, lr_min: float) -> float:
    if step <= warmup:
        return lr_max * (step + 1) / warmup
    progress = (step - warmup) / (total - warmup)
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + math.cos(math.pi * progress))
