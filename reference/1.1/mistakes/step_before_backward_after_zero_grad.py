"""Clears, computes the loss, then calls step() before backward(): step() finds no gradient."""


def train_loop(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
               optimizer: torch.optim.Optimizer, batches: list[tuple[Tensor, Tensor]],
               epochs: int) -> list[float]:
    model.train()
    history: list[float] = []
    for _ in range(epochs):
        epoch_total = 0.0
        for xb, yb in batches:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            optimizer.step()
            loss.backward()
            epoch_total += loss.item()
        history.append(epoch_total / len(batches))
    return history
