"""Gradient accumulation that adds up the micro-batches' gradients without dividing by k."""


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, scheduler: LambdaLR,
               micro_batches: list[tuple[Tensor, Tensor]], max_grad_norm: float,
               autocast: bool = True) -> tuple[float, float]:
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for x, y in micro_batches:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        total += loss.item()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    return total / len(micro_batches), norm.item()
