"""Kaiming without the gain: std = 1 / sqrt(fan) instead of sqrt(2) / sqrt(fan) for ReLU."""


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "relu") -> Tensor:
    fan_in, fan_out = fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    with torch.no_grad():
        return tensor.normal_(0.0, 1.0 / math.sqrt(fan))
