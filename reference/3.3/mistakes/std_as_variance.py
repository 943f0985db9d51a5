"""The variance passed where the standard deviation belongs (normal_(0, var) instead of std)."""


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor)
    var = gain * gain * 2.0 / (fan_in + fan_out)
    with torch.no_grad():
        return tensor.normal_(0.0, var)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "relu") -> Tensor:
    fan_in, fan_out = fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    var = relu_gain(nonlinearity, a) ** 2 / fan
    with torch.no_grad():
        return tensor.normal_(0.0, var)
