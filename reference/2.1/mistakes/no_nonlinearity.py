"""Stacks the Linear layers with no ReLU between them: the network collapses to one linear map."""


class MLP(MLP):
    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x
