"""Computes the validation loss without model.eval(): dropout is still active."""


def train(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor, y_val: Tensor,
          epochs: int, lr: float, batch_size: int,
          generator: torch.Generator) -> dict[str, list[float]]:
    """Train ``model`` with SGD (momentum 0.9) on mini-batches of a fresh permutation per
    epoch; return the mean training loss and the validation loss of every epoch."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
    n = len(X)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n, generator=generator)
        total, count = 0.0, 0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total += loss.item()
            count += 1
        history["train_loss"].append(total / count)
        with torch.no_grad():
            history["val_loss"].append(F.cross_entropy(model(X_val), y_val).item())
    return history
