"""sigmoid_where_nan_gradient: torch.where picks the safe formula, but both branches overflow somewhere."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn


def relu(x: Tensor) -> Tensor:
    return x.clamp(min=0)


def sigmoid(x: Tensor) -> Tensor:
    pos = 1.0 / (1.0 + torch.exp(-x))
    neg = torch.exp(x) / (1.0 + torch.exp(x))
    return torch.where(x >= 0, pos, neg)


def tanh(x: Tensor) -> Tensor:
    return 2.0 * sigmoid(2.0 * x) - 1.0


class MLP(nn.Module):
    def __init__(self, sizes: list[int]) -> None:
        super().__init__()
        self.layers = nn.ModuleList()
        for a, b in zip(sizes[:-1], sizes[1:]):
            self.layers.append(nn.Linear(a, b))

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers[:-1]:
            x = relu(layer(x))
        return self.layers[-1](x)


def train_xor(X: Tensor, y: Tensor) -> dict[str, Tensor]:
    model = MLP([2, 16, 2])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for step in range(300):
        logits = model(X)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.state_dict()
