"""Applies ReLU before each Linear layer instead of after it, clipping the input itself."""


class MLP(MLP):
    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(relu(x))
        return x
