"""Trains on the batches as they are: augment is never called."""


def train_with_augmentation(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor,
                            y_val: Tensor, epochs: int, lr: float, batch_size: int,
                            generator: torch.Generator) -> list[float]:
    """Train ``model`` in place with SGD on shifted training batches; return the
    validation accuracy (on unshifted images) after every epoch."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    accuracies: list[float] = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
        accuracies.append(accuracy(model, X_val, y_val))
    return accuracies
