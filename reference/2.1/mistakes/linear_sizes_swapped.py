"""Builds every layer as nn.Linear(out, in): the weights have the transposed shape."""

_MLP = MLP


class MLP(_MLP):
    def __init__(self, sizes: list[int]) -> None:
        nn.Module.__init__(self)
        self.layers = nn.ModuleList(nn.Linear(fan_out, fan_in)
                                    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))
