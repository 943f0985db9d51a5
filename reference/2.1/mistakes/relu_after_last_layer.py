"""Applies ReLU after every layer, the output layer included, so no score is ever negative."""

_MLP = MLP


class MLP(_MLP):
    def forward(self, x: Tensor) -> Tensor:
        return relu(super().forward(x))


def train_xor(X: Tensor, y: Tensor) -> dict[str, Tensor]:
    # Whether a network with clipped scores still solves XOR depends on its initialisation;
    # the mistake is held to the check it always loses (the outputs with loaded weights).
    model = _MLP([2, 16, 2])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        optimizer.zero_grad()
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
    return model.state_dict()
