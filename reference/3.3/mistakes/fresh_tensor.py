"""A new tensor returned, the one passed in left untouched (not in place)."""


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return (torch.rand(tensor.shape) * 2 - 1) * bound


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor)
    return torch.randn(tensor.shape) * (gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "relu") -> Tensor:
    fan_in, fan_out = fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return torch.randn(tensor.shape) * (relu_gain(nonlinearity, a) / math.sqrt(fan))
