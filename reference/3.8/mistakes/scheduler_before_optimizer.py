"""scheduler.step() before optimizer.step(): every step uses the next step's factor."""


def train_step(model, optimizer, scheduler, micro_batches, max_grad_norm, autocast=True):
    optimizer.zero_grad(set_to_none=True)
    k = len(micro_batches)
    total = 0.0
    for x, y in micro_batches:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            loss = F.cross_entropy(model(x), y)
        (loss / k).backward()
        total += loss.item()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    scheduler.step()
    optimizer.step()
    return total / k, norm.item()
