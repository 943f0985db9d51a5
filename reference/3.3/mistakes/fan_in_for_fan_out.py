"""Never reads mode: kaiming_normal_ always divides by fan_in, also for mode="fan_out"."""


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "relu") -> Tensor:
    fan_in, _ = fans(tensor)
    std = relu_gain(nonlinearity, a) / math.sqrt(fan_in)
    with torch.no_grad():
        return tensor.normal_(0.0, std)
