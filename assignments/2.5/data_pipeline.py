# %% [markdown]
# # Lesson 2.5 — Mini-batching and data pipelines
#
# Wrap the digits in a `Dataset`, standardise them with the training split's statistics,
# and cut them into shuffled mini-batches exactly as PyTorch's `DataLoader` does.
# Check your work with `grade 2.5` in this folder.
#
# Shapes: `X` is `(n, 64)` float32 (pixels in [0, 1]), `y` is `(n,)` int64 (the digit).
# A batch is a tuple `(images, labels)` of shapes `(B, 64)` and `(B,)`.

# %%
from collections.abc import Iterator

import torch
from torch import Tensor
from torch.utils.data import Dataset

# %% [markdown]
# ## 1. A dataset
# A map-style dataset answers two questions: how many examples (`len(ds)`) and which one is
# number `i` (`ds[i]`). Keep the image and its label together: `ds[i]` is `(X[i], y[i])`.

# %%
class DigitsDataset(Dataset):
    """Images X (n, 64) float32 and labels y (n,) int64 as a map-style dataset."""

    def __init__(self, X: Tensor, y: Tensor) -> None:
        """Keep X and y (same number of rows)."""
        raise NotImplementedError

    def __len__(self) -> int:
        """Return the number of examples n, a Python int."""
        raise NotImplementedError

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        """Return (X[i], y[i]): the image, shape (64,), and its label, a 0-dim int64 tensor.
        Negative indices count from the end, as for tensors."""
        raise NotImplementedError

# %% [markdown]
# ## 2. Standardisation with the training split's statistics
# For every feature $j$: $\tilde x_j = (x_j - \mu_j) / \sigma_j$ with the mean $\mu_j$ and
# the population std $\sigma_j$ (dividing by $n$) of the **training** split, applied to
# both splits. A constant training feature has $\sigma_j = 0$: divide it by 1 instead.

# %%
def standardize(train: Tensor, test: Tensor) -> tuple[Tensor, Tensor]:
    """Return (train_std, test_std), both standardised with train's per-feature statistics.

    train is (n, d), test is (m, d). mean = train.mean(dim=0), std = the population std of
    train per feature (train.std(dim=0, correction=0)), with 1 wherever it is 0. Return new
    tensors: train and test stay unchanged.
    """
    raise NotImplementedError

# %% [markdown]
# ## 3. Mini-batches in `DataLoader`'s order
# One pass of `DataLoader(dataset, batch_size, shuffle=shuffle, generator=generator,
# drop_last=drop_last)` draws, from its generator: first one int64 (the base seed of its
# worker processes, even with none), `torch.empty((), dtype=torch.int64).random_(generator=
# generator)`; then the order, `torch.randperm(n, generator=generator)` (or `torch.arange(n)`
# without shuffling). It cuts the order into consecutive pieces of `batch_size` (the last
# may be shorter; with `drop_last=True` a shorter last piece is left out) and, for each,
# stacks the images of `dataset[i]` into one tensor and their labels into another.

# %%
def batches(dataset: Dataset, batch_size: int, generator: torch.Generator, shuffle: bool = True,
            drop_last: bool = False) -> Iterator[tuple[Tensor, Tensor]]:
    """Yield (images, labels) batches in exactly the order of one DataLoader pass.

    images is torch.stack of the images dataset[i][0] of the batch, labels torch.stack of
    their labels dataset[i][1]. Works for any map-style dataset; uses only `generator`.
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    g = torch.Generator().manual_seed(0)
    X = torch.rand(10, 64, generator=g)
    y = torch.arange(10)
    ds = DigitsDataset(X, y)
    print("len:", len(ds), " label of item 3:", int(ds[3][1]))

    # Your batches against the real DataLoader, from equally seeded generators.
    mine = list(batches(ds, 4, torch.Generator().manual_seed(1)))
    loader = torch.utils.data.DataLoader(ds, batch_size=4, shuffle=True,
                                         generator=torch.Generator().manual_seed(1))
    theirs = list(loader)
    print("your label batches:      ", [b[1].tolist() for b in mine])
    print("DataLoader's label batches:", [b[1].tolist() for b in theirs])

    # Standardised training features have mean 0 and std 1 (or are 0 where constant).
    train = torch.cat([torch.randn(50, 3, generator=g) * 5 + 2, torch.zeros(50, 1)], dim=1)
    test = torch.randn(20, 4, generator=g)
    train_std, test_std = standardize(train, test)
    print("means:", train_std.mean(dim=0), "stds:", train_std.std(dim=0, correction=0))
