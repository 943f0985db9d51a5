"""No optimizer.zero_grad() before accumulating: the previous step's gradients stay in .grad."""


def grad_accumulation_step(model, optimizer, loss_fn, x, y, accum_steps):
    total = torch.zeros((), dtype=x.dtype)
    for xb, yb in zip(torch.tensor_split(x, accum_steps), torch.tensor_split(y, accum_steps),
                      strict=True):
        loss = loss_fn(model(xb), yb) / accum_steps
        loss.backward()
        total += loss.detach()
    optimizer.step()
    return total
