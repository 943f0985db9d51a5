"""Full batches first, then the leftover as order[-(n % batch_size):] (the whole order when
batch_size divides n)."""


def minibatches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True,
                drop_last: bool = False) -> list[Tensor]:
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    full = n // batch_size
    batches = [order[k * batch_size:(k + 1) * batch_size] for k in range(full)]
    if not drop_last:
        batches.append(order[-(n % batch_size):])  # -0 is 0: the whole order when it divides
    return batches
