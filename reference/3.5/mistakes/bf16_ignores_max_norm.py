"""Without a scaler (bfloat16), max_norm is never applied: the step takes the unclipped
gradient."""


def mixed_precision_step(model: nn.Module, optimizer: torch.optim.Optimizer,
                         loss_fn: nn.Module, x: Tensor, y: Tensor, dtype: torch.dtype,
                         scaler: torch.amp.GradScaler | None = None,
                         max_norm: float | None = None) -> Tensor:
    optimizer.zero_grad()
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        loss = loss_fn(model(x), y)
    if scaler is None:
        loss.backward()
        optimizer.step()  # max_norm forgotten on this path
    else:
        scaler.scale(loss).backward()
        if max_norm is not None:
            scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        scaler.step(optimizer)
        scaler.update()
    return loss.detach().float()
