"""Scales the gradients to max_norm even when their norm is already below it (no clamp at 1)."""


def clip_grad_norm_(parameters: Iterable[Tensor], max_norm: float) -> Tensor:
    grads = [p.grad for p in parameters if p.grad is not None]
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    for g in grads:
        g.mul_(max_norm / (total + 1e-6))
    return total
