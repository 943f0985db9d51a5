"""Always leaves out the last, partial batch, as if drop_last were True."""


def batches(dataset: Dataset, batch_size: int, generator: torch.Generator, shuffle: bool = True,
            drop_last: bool = False) -> Iterator[tuple[Tensor, Tensor]]:
    n = len(dataset)
    torch.empty((), dtype=torch.int64).random_(generator=generator)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    for start in range(0, n - batch_size + 1, batch_size):
        images, labels = zip(*(dataset[int(i)] for i in order[start:start + batch_size]),
                             strict=True)
        yield torch.stack(images), torch.stack(labels)
