"""Lists the parameters without a gradient too, with norm 0."""


def grad_norms_by_layer(model: nn.Module) -> dict[str, float]:
    return {name: torch.linalg.vector_norm(p.grad).item() if p.grad is not None else 0.0
            for name, p in model.named_parameters()}
