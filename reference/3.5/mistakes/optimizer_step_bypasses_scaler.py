"""optimizer.step() after unscale_ and clipping, instead of scaler.step(optimizer)."""


def mixed_precision_step(model, optimizer, loss_fn, x, y, dtype, scaler=None, max_norm=None):
    optimizer.zero_grad()
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        loss = loss_fn(model(x), y)
    if scaler is None:
        loss.backward()
    else:
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
    if max_norm is not None:
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    if scaler is not None:
        scaler.update()
    return loss.detach().float()
