"""Never zeroes the gradients: every step's gradient adds into the last."""


def train_with_schedule(model: nn.Module, optimizer: torch.optim.Optimizer, X: Tensor,
                        y: Tensor, schedule: Callable[[int], float], steps: int) -> list[float]:
    base_lr = optimizer.param_groups[0]["lr"]
    scheduler = LambdaLR(optimizer, lambda s: schedule(s) / base_lr)
    lrs = []
    for _ in range(steps):
        nn.functional.mse_loss(model(X), y).backward()
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs
