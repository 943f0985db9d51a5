"""Every call draws from a fresh torch.Generator().manual_seed(0): each initialiser fills every
tensor with the same numbers (the layers of a network start identical), not from torch's global
random generator."""


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    with torch.no_grad():
        return tensor.uniform_(-bound, bound, generator=torch.Generator().manual_seed(0))


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    with torch.no_grad():
        return tensor.normal_(0.0, std, generator=torch.Generator().manual_seed(0))


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "relu") -> Tensor:
    fan_in, fan_out = fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    std = relu_gain(nonlinearity, a) / math.sqrt(fan)
    with torch.no_grad():
        return tensor.normal_(0.0, std, generator=torch.Generator().manual_seed(0))
