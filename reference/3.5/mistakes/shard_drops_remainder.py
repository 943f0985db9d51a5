"""Shards of n // world_size rows: the last n % world_size rows go to no rank."""


def shard(batch, world_size, rank):
    size = batch.shape[0] // world_size
    return batch[rank * size:(rank + 1) * size]
