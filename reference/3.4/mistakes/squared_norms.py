"""Returns the squared norm of each gradient, the sum of its squares, without the square root."""


def grad_norms_by_layer(model: nn.Module) -> dict[str, float]:
    return {name: p.grad.pow(2).sum().item()
            for name, p in model.named_parameters() if p.grad is not None}
