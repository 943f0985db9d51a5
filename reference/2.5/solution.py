"""Reference solution for lesson 2.5: mini-batching and data pipelines (hidden from students)."""

from collections.abc import Iterator

import torch
from torch import Tensor
from torch.utils.data import Dataset


class DigitsDataset(Dataset):
    """Images X (n, 64) and labels y (n,) as a map-style dataset: item i is (X[i], y[i])."""

    def __init__(self, X: Tensor, y: Tensor) -> None:
        if len(X) != len(y):
            raise ValueError(f"{len(X)} images but {len(y)} labels")
        self.X = X
        self.y = y

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        return self.X[i], self.y[i]


def standardize(train: Tensor, test: Tensor) -> tuple[Tensor, Tensor]:
    """Both splits standardised with the training split's per-feature mean and std."""
    mean = train.mean(dim=0)
    std = train.std(dim=0, correction=0)  # the population std, dividing by n
    std = torch.where(std == 0, torch.ones_like(std), std)  # constant features: divide by 1
    return (train - mean) / std, (test - mean) / std


def batches(dataset: Dataset, batch_size: int, generator: torch.Generator, shuffle: bool = True,
            drop_last: bool = False) -> Iterator[tuple[Tensor, Tensor]]:
    """(images, labels) batches in the order DataLoader(dataset, batch_size, shuffle=shuffle,
    generator=generator, drop_last=drop_last) gives them."""
    n = len(dataset)
    # a DataLoader pass first draws a base seed for worker processes from the generator (even
    # with no workers and no shuffling), and only then the order
    torch.empty((), dtype=torch.int64).random_(generator=generator)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        images, labels = zip(*(dataset[int(i)] for i in order[start:start + batch_size]),
                             strict=True)
        yield torch.stack(images), torch.stack(labels)
