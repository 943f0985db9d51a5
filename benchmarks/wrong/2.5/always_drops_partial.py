"""drops_last_batch: only n // batch_size full batches, the partial one always left out."""
from collections.abc import Iterator

import torch
from torch import Tensor
from torch.utils.data import Dataset


class DigitsDataset(Dataset):
    def __init__(self, X: Tensor, y: Tensor) -> None:
        self.X = X
        self.y = y

    def __len__(self) -> int:
        return self.X.shape[0]

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        return self.X[i], self.y[i]


def standardize(train: Tensor, test: Tensor) -> tuple[Tensor, Tensor]:
    mean = train.mean(dim=0)
    std = train.std(dim=0, correction=0)
    std = torch.where(std == 0, torch.ones_like(std), std)
    return (train - mean) / std, (test - mean) / std


def batches(dataset: Dataset, batch_size: int, generator: torch.Generator, shuffle: bool = True,
            drop_last: bool = False) -> Iterator[tuple[Tensor, Tensor]]:
    n = len(dataset)
    torch.empty((), dtype=torch.int64).random_(generator=generator)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    for b in range(n // batch_size):
        idx = order[b * batch_size:(b + 1) * batch_size]
        images = torch.stack([dataset[int(i)][0] for i in idx])
        labels = torch.stack([dataset[int(i)][1] for i in idx])
        yield images, labels
