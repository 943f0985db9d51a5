"""model.train() alone: frozen BatchNorm layers update their running statistics."""


def train_mode(model: nn.Module) -> None:
    model.train()
