"""Never reads drop_last: the partial last batch is always yielded."""

_batches = batches


def batches(dataset: Dataset, batch_size: int, generator: torch.Generator, shuffle: bool = True,
            drop_last: bool = False) -> Iterator[tuple[Tensor, Tensor]]:
    return _batches(dataset, batch_size, generator, shuffle, drop_last=False)
