"""Clips each parameter's gradient to max_norm on its own instead of scaling all by the global norm."""


def clip_grad_norm_(parameters: Iterable[Tensor], max_norm: float) -> Tensor:
    grads = [p.grad for p in parameters if p.grad is not None]
    norms = [torch.linalg.vector_norm(g) for g in grads]
    for g, norm in zip(grads, norms, strict=True):
        g.mul_(torch.clamp(max_norm / (norm + 1e-6), max=1.0))
    return torch.linalg.vector_norm(torch.stack(norms))
