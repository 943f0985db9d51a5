"""Normalises after the addition, norm(x + f(x)) (post-norm), instead of x + f(norm(x))."""


class ResidualBlock(ResidualBlock):
    def forward(self, x: Tensor) -> Tensor:
        return self.norm(x + self.fc2(torch.relu(self.fc1(x))))
