"""Counts a unit as dead when it is inactive on any sample (.any) instead of on all (.all)."""


def dead_relu_fraction(model: nn.Module, X: Tensor) -> float:
    dead, total = 0, 0
    h = X
    with torch.no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                dead += int((h <= 0).any(dim=0).sum())
                total += h.shape[1]
    return dead / total
