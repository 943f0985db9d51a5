"""none: XOR trained with plain SGD at lr 0.1 for 100 steps, too little to solve it from every start."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn


def relu(x: Tensor) -> Tensor:
    return x.clamp(min=0)


def sigmoid(x: Tensor) -> Tensor:
    z = torch.exp(-x.abs())
    return torch.where(x >= 0, 1 / (1 + z), z / (1 + z))


def tanh(x: Tensor) -> Tensor:
    return 2 * sigmoid(2 * x) - 1


class MLP(nn.Module):
    def __init__(self, sizes: list[int]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            [nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)])

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers[:-1]:
            x = relu(layer(x))
        return self.layers[-1](x)


def train_xor(X: Tensor, y: Tensor) -> dict[str, Tensor]:
    model = MLP([2, 4, 2])
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(100):
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()
    return model.state_dict()
