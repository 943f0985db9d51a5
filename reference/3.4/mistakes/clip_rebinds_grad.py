"""clip_grad_norm_ gives every parameter a new, clipped gradient tensor (p.grad = p.grad * coef)
instead of scaling the one it holds in place."""


def clip_grad_norm_(parameters: Iterable[Tensor], max_norm: float) -> Tensor:
    params = [p for p in parameters if p.grad is not None]
    if not params:
        return torch.tensor(0.0)
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad)
                                                  for p in params]))
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for p in params:
        p.grad = p.grad * coef  # a new tensor: the old .grad keeps its values
    return total
