"""Calls optimizer.zero_grad() once per epoch, so gradients pile up within an epoch."""


def train_loop(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
               optimizer: torch.optim.Optimizer, batches: list[tuple[Tensor, Tensor]],
               epochs: int) -> list[float]:
    model.train()
    history: list[float] = []
    for _ in range(epochs):
        epoch_total = 0.0
        optimizer.zero_grad()
        for xb, yb in batches:
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            epoch_total += loss.item()
        history.append(epoch_total / len(batches))
    return history
