"""Warms up as lr_max * step / warmup: step 0 gets lr 0 and warmup never reaches lr_max."""


def warmup_cosine(step: int, total: int, warmup: int, lr_max: float, lr_min: float) -> float:
    if step < warmup:
        return lr_max * step / warmup
    progress = (step - warmup) / (total - warmup)
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + math.cos(math.pi * progress))
