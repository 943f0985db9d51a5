"""Warmup factor step / warmup: 0 at the first step, and 1 only after the warmup."""


def warmup_cosine_factor(step: int, total: int, warmup: int, min_factor: float) -> float:
    if step < warmup:
        return step / warmup
    progress = (step - warmup) / (total - warmup)
    return min_factor + 0.5 * (1.0 - min_factor) * (1.0 + math.cos(math.pi * progress))
