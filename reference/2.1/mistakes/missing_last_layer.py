"""Builds one Linear layer too few: the loop over sizes stops before the output layer."""


class MLP(MLP):
    def __init__(self, sizes: list[int]) -> None:
        nn.Module.__init__(self)
        self.layers = nn.ModuleList(
            nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 2))
