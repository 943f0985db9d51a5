"""Each micro-batch's mean loss goes to backward undivided: accum_steps times the gradient."""


def grad_accumulation_step(model, optimizer, loss_fn, x, y, accum_steps):
    optimizer.zero_grad()
    total = torch.zeros((), dtype=x.dtype)
    for xb, yb in zip(torch.tensor_split(x, accum_steps), torch.tensor_split(y, accum_steps),
                      strict=True):
        loss = loss_fn(model(xb), yb)
        loss.backward()
        total += loss.detach() / accum_steps
    optimizer.step()
    return total
