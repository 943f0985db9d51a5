"""Keeps the Linear layers in a plain Python list: nn.Module registers none of their parameters."""

_MLP = MLP


class MLP(_MLP):
    def __init__(self, sizes: list[int]) -> None:
        nn.Module.__init__(self)
        self.layers = [nn.Linear(fan_in, fan_out) for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
