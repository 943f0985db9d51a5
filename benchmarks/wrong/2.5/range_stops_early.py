"""drops_last_batch: range(0, n - batch_size, batch_size) stops one batch early."""
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
    for start in range(0, n - batch_size, batch_size):
        idx = order[start:start + batch_size]
        if drop_last and len(idx) < batch_size:
            break
        items = [dataset[int(i)] for i in idx]
        yield torch.stack([x for x, _ in items]), torch.stack([t for _, t in items])
