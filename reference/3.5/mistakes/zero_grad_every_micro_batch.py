"""optimizer.zero_grad() inside the micro-batch loop: only the last micro-batch's gradient is left."""


def grad_accumulation_step(model, optimizer, loss_fn, x, y, accum_steps):
    total = torch.zeros((), dtype=x.dtype)
    for xb, yb in zip(torch.tensor_split(x, accum_steps), torch.tensor_split(y, accum_steps),
                      strict=True):
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb) / accum_steps
        loss.backward()
        total += loss.detach()
    optimizer.step()
    return total
