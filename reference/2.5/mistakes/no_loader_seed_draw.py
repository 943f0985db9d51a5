"""Shuffles with randperm straight away, without DataLoader's draw of a worker base seed first."""


def batches(dataset: Dataset, batch_size: int, generator: torch.Generator, shuffle: bool = True,
            drop_last: bool = False) -> Iterator[tuple[Tensor, Tensor]]:
    n = len(dataset)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        images, labels = zip(*(dataset[int(i)] for i in order[start:start + batch_size]),
                             strict=True)
        yield torch.stack(images), torch.stack(labels)
