"""The fixed loop still never calls optimizer.zero_grad(): gradients add up across steps."""


def train(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor, y_val: Tensor,
          epochs: int, lr: float, batch_size: int,
          generator: torch.Generator) -> dict[str, list[float]]:
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
    n = len(X)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n, generator=generator)
        total, count = 0.0, 0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total += loss.item()
            count += 1
        history["train_loss"].append(total / count)
        model.eval()
        with torch.no_grad():
            history["val_loss"].append(F.cross_entropy(model(X_val), y_val).item())
    return history
