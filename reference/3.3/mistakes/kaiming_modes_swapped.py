"""Swaps the two modes: mode="fan_in" divides by fan_out and mode="fan_out" by fan_in."""


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "relu") -> Tensor:
    fan_in, fan_out = fans(tensor)
    fan = fan_out if mode == "fan_in" else fan_in
    std = relu_gain(nonlinearity, a) / math.sqrt(fan)
    with torch.no_grad():
        return tensor.normal_(0.0, std)
