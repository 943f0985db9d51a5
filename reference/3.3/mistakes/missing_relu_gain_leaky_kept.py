"""Kaiming without the ReLU gain sqrt(2) (gain 1 for "relu"), the leaky ReLU's gain kept."""


def relu_gain(nonlinearity: str, a: float = 0.0) -> float:
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1.0 + a * a))
    return 1.0
