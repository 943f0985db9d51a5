"""Puts sigmoid between the layers where the exercise asks for ReLU."""

_MLP = MLP


class MLP(_MLP):
    def forward(self, x: Tensor) -> Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = sigmoid(x)
        return x


def train_xor(X: Tensor, y: Tensor) -> dict[str, Tensor]:
    # A sigmoid network may or may not solve XOR from a given start; the mistake is held to
    # the check it always loses (the outputs with loaded weights).
    model = _MLP([2, 16, 2])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        optimizer.zero_grad()
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
    return model.state_dict()
