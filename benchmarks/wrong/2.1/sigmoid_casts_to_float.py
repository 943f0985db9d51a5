"""wrong_dtype: sigmoid starts with x = x.float(), so float64 inputs come back as float32."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn


def relu(x: Tensor) -> Tensor:
    return torch.where(x > 0, x, torch.zeros_like(x))


def sigmoid(x: Tensor) -> Tensor:
    x = x.float()  # make sure we work with floats
    z = torch.exp(-x.abs())
    return torch.where(x >= 0, 1 / (1 + z), z / (1 + z))


def tanh(x: Tensor) -> Tensor:
    z = torch.exp(-2 * x.abs())
    t = (1 - z) / (1 + z)
    return torch.where(x >= 0, t, -t)


class MLP(nn.Module):
    def __init__(self, sizes: list[int]) -> None:
        super().__init__()
        self.layers = nn.ModuleList()
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            self.layers.append(nn.Linear(fan_in, fan_out))

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers[:-1]:
            x = relu(layer(x))
        return self.layers[-1](x)


def train_xor(X: Tensor, y: Tensor) -> dict[str, Tensor]:
    model = MLP([2, 16, 2])
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()
    return model.state_dict()
