"""Indexes the dataset with a tensor of indices, dataset[order[start:end]], which only
TensorDataset accepts, instead of fetching dataset[i] one index at a time."""


def batches(dataset: Dataset, batch_size: int, generator: torch.Generator, shuffle: bool = True,
            drop_last: bool = False) -> Iterator[tuple[Tensor, Tensor]]:
    n = len(dataset)
    torch.empty((), dtype=torch.int64).random_(generator=generator)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        yield tuple(dataset[order[start:start + batch_size]])
