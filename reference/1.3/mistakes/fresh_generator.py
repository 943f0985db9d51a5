"""Shuffles with a brand-new torch.Generator() on every call, so every order is the same one."""


def minibatches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True,
                drop_last: bool = False) -> list[Tensor]:
    order = torch.randperm(n, generator=torch.Generator()) if shuffle else torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    return [order[start:start + batch_size] for start in range(0, stop, batch_size)]
