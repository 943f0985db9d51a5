"""Penalises every parameter, biases included, instead of the weight matrices only."""


def l2_penalty(model: nn.Module, lam: float) -> Tensor:
    total = torch.zeros(())
    for p in model.parameters():
        total = total + (p * p).sum()
    return lam / 2 * total
