"""Counts inactive entries (per sample) instead of units that are inactive on every sample."""


def dead_relu_fraction(model: nn.Module, X: Tensor) -> float:
    zeros, entries = 0, 0
    h = X
    with torch.no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                zeros += int((h <= 0).sum())
                entries += h.numel()
    return zeros / entries
