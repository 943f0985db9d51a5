"""Shuffles the labels with a permutation of their own, so they no longer belong to their images."""


def batches(dataset: Dataset, batch_size: int, generator: torch.Generator, shuffle: bool = True,
            drop_last: bool = False) -> Iterator[tuple[Tensor, Tensor]]:
    n = len(dataset)
    torch.empty((), dtype=torch.int64).random_(generator=generator)
    image_order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    label_order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        images = [dataset[int(i)][0] for i in image_order[start:start + batch_size]]
        labels = [dataset[int(i)][1] for i in label_order[start:start + batch_size]]
        yield torch.stack(images), torch.stack(labels)
