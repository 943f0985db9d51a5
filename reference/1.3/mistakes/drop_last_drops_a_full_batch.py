"""drop_last removes the last batch whether or not it is partial."""


def minibatches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True,
                drop_last: bool = False) -> list[Tensor]:
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    batches = [order[start:start + batch_size] for start in range(0, n, batch_size)]
    if drop_last:
        batches = batches[:-1]  # assumes the last batch is the short one
    return batches
