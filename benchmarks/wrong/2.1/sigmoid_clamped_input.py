"""none: clamps x to [-80, 80] before a plain sigmoid, so far tails are sigmoid(+-80), not 0 or 1."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn


def relu(x: Tensor) -> Tensor:
    return x.clamp(min=0.0)


def sigmoid(x: Tensor) -> Tensor:
    # exp overflows above ~88, so keep x in a safe range first
    x = torch.clamp(x, -80.0, 80.0)
    return 1.0 / (1.0 + torch.exp(-x))


def tanh(x: Tensor) -> Tensor:
    return 2.0 * sigmoid(2.0 * x) - 1.0


class MLP(nn.Module):
    def __init__(self, sizes: list[int]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(i, o) for i, o in zip(sizes, sizes[1:]))

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers[:-1]:
            x = F.relu(layer(x))
        return self.layers[-1](x)


def train_xor(X: Tensor, y: Tensor) -> dict[str, Tensor]:
    model = MLP([2, 16, 2])
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()
    return model.state_dict()
