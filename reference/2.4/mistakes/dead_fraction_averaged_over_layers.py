"""Averages the dead fractions of the ReLU layers instead of pooling their units."""


def dead_relu_fraction(model: nn.Module, X: Tensor) -> float:
    fractions = []
    h = X
    with torch.no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                fractions.append(float((h <= 0).all(dim=0).float().mean()))
    return sum(fractions) / len(fractions)
