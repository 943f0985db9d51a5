"""The micro-batches' forward and loss run outside autocast, in float32."""


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, scheduler: LambdaLR,
               micro_batches: list[tuple[Tensor, Tensor]], max_grad_norm: float,
               autocast: bool = True) -> tuple[float, float]:
    optimizer.zero_grad(set_to_none=True)
    k = len(micro_batches)
    total = 0.0
    for x, y in micro_batches:
        loss = F.cross_entropy(model(x), y)
        (loss / k).backward()
        total += loss.item()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    return total / k, norm.item()
