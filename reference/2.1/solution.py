"""Reference solution for lesson 2.1: from linear to nonlinear (hidden from students)."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def relu(x: Tensor) -> Tensor:
    """max(x, 0) elementwise, in x's dtype."""
    return x.clamp(min=0)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^{-x}), computed so that exp only ever sees non-positive numbers."""
    positive = x >= 0
    # e^{-|x|} in (0, 1], but with the sign folded in by where (not abs), so that autograd's
    # derivative is right at x = 0 too
    z = torch.exp(torch.where(positive, -x, x))
    return torch.where(positive, 1 / (1 + z), z / (1 + z))


def tanh(x: Tensor) -> Tensor:
    """(1 - e^{-2|x|}) / (1 + e^{-2|x|}) with the sign of x: exp never overflows."""
    positive = x >= 0
    u = torch.where(positive, -2 * x, 2 * x)  # -2|x|, with the sign folded in as above
    magnitude = -torch.expm1(u) / (1 + torch.exp(u))  # expm1 keeps the digits near x = 0
    return torch.where(positive, magnitude, -magnitude)


class MLP(nn.Module):
    """Linear layers of the given sizes with ReLU between them (none after the last)."""

    def __init__(self, sizes: list[int]) -> None:
        super().__init__()
        pairs = zip(sizes[:-1], sizes[1:], strict=True)  # (in, out) of every layer
        self.layers = nn.ModuleList(nn.Linear(fan_in, fan_out) for fan_in, fan_out in pairs)

    def forward(self, x: Tensor) -> Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = relu(x)
        return x


def train_xor(X: Tensor, y: Tensor) -> dict[str, Tensor]:
    """Train MLP([2, 16, 2]) on the four XOR points with Adam; return its state_dict."""
    model = MLP([2, 16, 2])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        optimizer.zero_grad()
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
    return model.state_dict()


# ---- used by the grading spec (not part of the exercise) ----

def xor_scores(params: dict[str, Tensor], X: Tensor) -> Tensor:
    """The class scores of the reference MLP with the given trained state_dict (sizes read
    from the weights' shapes), scored on the held-out XOR split on the trusted side."""
    n_layers = len([k for k in params if k.startswith("layers.") and k.endswith(".weight")])
    weights = [params[f"layers.{i}.weight"] for i in range(n_layers)]
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    model = MLP(sizes)
    model.load_state_dict(params)
    return model(X)
