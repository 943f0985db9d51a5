"""Reads the learning rate after scheduler.step(): each entry is the next step's rate."""


def train_with_schedule(model: nn.Module, optimizer: torch.optim.Optimizer, X: Tensor,
                        y: Tensor, schedule: Callable[[int], float], steps: int) -> list[float]:
    base_lr = optimizer.param_groups[0]["lr"]
    scheduler = LambdaLR(optimizer, lambda s: schedule(s) / base_lr)
    lrs = []
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(X), y).backward()
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs
