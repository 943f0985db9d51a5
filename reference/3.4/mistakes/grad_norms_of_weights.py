"""Reports the norm of each parameter (the weights) instead of the norm of its gradient."""


def grad_norms_by_layer(model: nn.Module) -> dict[str, float]:
    return {name: torch.linalg.vector_norm(p).item()
            for name, p in model.named_parameters() if p.grad is not None}
