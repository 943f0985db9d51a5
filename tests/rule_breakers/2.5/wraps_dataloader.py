"""batches as a wrapped DataLoader: the same batches, the rule broken."""

from torch.utils.data import DataLoader

LOSES = ["batches: shuffled order matches DataLoader (partial last batch)",
         "batches: batch_size divides n exactly", "batches: batch_size 1",
         "batches: batch_size >= n gives one batch", "batches: drop_last=True",
         "batches: shuffle=False keeps the dataset's order",
         "batches: any map-style dataset (a list of (x, y) pairs)"]


def batches(dataset, batch_size, generator, shuffle=True, drop_last=False):
    yield from DataLoader(dataset, batch_size=batch_size, shuffle=shuffle,
                          generator=generator, drop_last=drop_last)
