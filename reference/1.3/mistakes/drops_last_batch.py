"""Makes only n // batch_size batches, so the last partial batch is always dropped."""


def minibatches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True,
                drop_last: bool = False) -> list[Tensor]:
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    return [order[k * batch_size:(k + 1) * batch_size] for k in range(n // batch_size)]
