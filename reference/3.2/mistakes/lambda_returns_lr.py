"""Returns the lr itself from LambdaLR's lambda, which LambdaLR then multiplies by the base lr."""


def train_with_schedule(model: nn.Module, optimizer: torch.optim.Optimizer, X: Tensor,
                        y: Tensor, schedule: Callable[[int], float], steps: int) -> list[float]:
    scheduler = LambdaLR(optimizer, schedule)
    lrs = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs
