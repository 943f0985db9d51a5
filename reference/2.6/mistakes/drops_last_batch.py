"""Trains on n // batch_size full batches per epoch: the last, partial one never."""


def train(model: nn.Module, X: Tensor, y: Tensor, lr: float, weight_decay: float, epochs: int,
          batch_size: int, generator: torch.Generator) -> list[float]:
    n = X.shape[0]
    losses: list[float] = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n - batch_size + 1, batch_size):
            idx = order[start:start + batch_size]
            data = F.cross_entropy(model(X[idx]), y[idx])
            loss = data + l2_penalty(model, weight_decay)
            model.zero_grad()
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= lr * p.grad
            losses.append(loss.item())
    return losses
