"""Averages the epoch's loss per example (each batch weighted by its size), not per batch."""


def train_loop(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
               optimizer: torch.optim.Optimizer, batches: list[tuple[Tensor, Tensor]],
               epochs: int) -> list[float]:
    model.train()
    history: list[float] = []
    for _ in range(epochs):
        epoch_total, seen = 0.0, 0
        for xb, yb in batches:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            epoch_total += loss.item() * len(xb)
            seen += len(xb)
        history.append(epoch_total / seen)
    return history
