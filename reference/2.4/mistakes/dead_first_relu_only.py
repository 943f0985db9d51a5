"""Inspects only the first ReLU layer: the dead units of later layers are never counted."""


def dead_relu_fraction(model: nn.Module, X: Tensor) -> float:
    h = X
    with torch.no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                return float((h <= 0).all(dim=0).float().mean())
    return 0.0
