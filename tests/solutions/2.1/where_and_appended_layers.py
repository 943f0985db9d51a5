"""A correct 2.1 solution: torch.where everywhere, layers appended in a loop, F.relu, SGD."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def relu(x: Tensor) -> Tensor:
    return torch.where(x > 0, x, 0.0)


def sigmoid(x: Tensor) -> Tensor:
    z = torch.exp(-x.abs())  # in (0, 1]: never overflows, in either branch
    return torch.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def tanh(x: Tensor) -> Tensor:
    return 2.0 * sigmoid(2.0 * x) - 1.0


class MLP(nn.Module):
    def __init__(self, sizes: list[int]) -> None:
        super().__init__()
        self.layers = nn.ModuleList()
        for i in range(1, len(sizes)):
            self.layers.append(nn.Linear(sizes[i - 1], sizes[i]))

    def forward(self, x: Tensor) -> Tensor:
        *hidden, last = self.layers
        for layer in hidden:
            x = F.relu(layer(x))
        return last(x)


def train_xor(X: Tensor, y: Tensor) -> dict[str, Tensor]:
    model = MLP([2, 32, 2])
    opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    for _ in range(400):
        loss = F.cross_entropy(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.state_dict()
