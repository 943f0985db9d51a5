"""sigmoid_cancellation: the negative branch as 1 - 1 / (1 + z), which rounds small values to 0."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn


def relu(x: Tensor) -> Tensor:
    return torch.where(x > 0, x, torch.zeros_like(x))


def sigmoid(x: Tensor) -> Tensor:
    z = torch.exp(-torch.abs(x))
    # for x < 0: sigma(x) = 1 - sigma(-x) = 1 - 1 / (1 + e^x)
    return torch.where(x >= 0, 1 / (1 + z), 1 - 1 / (1 + z))


def tanh(x: Tensor) -> Tensor:
    return 2 * sigmoid(2 * x) - 1


class MLP(nn.Module):
    def __init__(self, sizes: list[int]) -> None:
        super().__init__()
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        self.layers = nn.ModuleList(layers)

    def forward(self, x: Tensor) -> Tensor:
        n = len(self.layers)
        for i in range(n):
            x = self.layers[i](x)
            if i < n - 1:
                x = relu(x)
        return x


def train_xor(X: Tensor, y: Tensor) -> dict[str, Tensor]:
    torch.manual_seed(0)
    model = MLP([2, 16, 2])
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()
    return model.state_dict()
