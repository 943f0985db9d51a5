"""Calls step() (then zero_grad) before backward(), so each update uses the previous gradient."""


def train_loop(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
               optimizer: torch.optim.Optimizer, batches: list[tuple[Tensor, Tensor]],
               epochs: int) -> list[float]:
    model.train()
    history: list[float] = []
    for _ in range(epochs):
        epoch_total = 0.0
        for xb, yb in batches:
            loss = loss_fn(model(xb), yb)
            optimizer.step()
            optimizer.zero_grad()
            loss.backward()
            epoch_total += loss.item()
        history.append(epoch_total / len(batches))
    return history
