"""no_loader_seed_draw: the order is drawn without the DataLoader's base-seed draw first."""
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
    if shuffle:
        order = torch.randperm(n, generator=generator)
    else:
        order = torch.arange(n)
    out = []
    for k in range(0, n, batch_size):
        chunk = order[k:k + batch_size]
        if drop_last and chunk.numel() < batch_size:
            continue
        xs = torch.stack([dataset[i][0] for i in chunk.tolist()])
        ys = torch.stack([dataset[i][1] for i in chunk.tolist()])
        out.append((xs, ys))
    return out
