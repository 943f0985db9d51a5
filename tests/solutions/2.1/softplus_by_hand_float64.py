"""A correct 2.1 solution: sigmoid through a hand-written log-sum-exp (softplus), tanh with
expm1, masks for ReLU, layers indexed by position, XOR trained in float64 with Adam."""

import torch
from torch import Tensor, nn


def relu(x: Tensor) -> Tensor:
    return x * (x > 0)


def _softplus(x: Tensor) -> Tensor:
    """log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}), finite for every x."""
    return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))


def sigmoid(x: Tensor) -> Tensor:
    return torch.exp(-_softplus(-x))  # log sigma(x) = -softplus(-x)


def tanh(x: Tensor) -> Tensor:
    t = torch.exp(-2 * x.abs())
    return torch.sign(x) * (-torch.expm1(-2 * x.abs())) / (1 + t)


class MLP(nn.Module):
    def __init__(self, sizes: list[int]) -> None:
        super().__init__()
        self.sizes = list(sizes)
        pairs = zip(sizes, sizes[1:], strict=False)
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in pairs])

    def forward(self, x: Tensor) -> Tensor:
        n = len(self.layers)
        for i in range(n):
            x = self.layers[i](x)
            if i != n - 1:
                x = relu(x)
        return x


def train_xor(X: Tensor, y: Tensor) -> dict[str, Tensor]:
    model = MLP([2, 24, 2]).double()
    opt = torch.optim.Adam(model.parameters(), lr=0.03)
    Xd = X.double()
    for _ in range(400):
        opt.zero_grad()
        logits = model(Xd)
        loss = -(logits.log_softmax(dim=1)[torch.arange(4), y]).mean()
        loss.backward()
        opt.step()
    return {k: v.float() for k, v in model.state_dict().items()}
