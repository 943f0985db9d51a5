"""Every nonlinearity but the leaky ReLU gets ReLU's gain sqrt(2), "linear" too (its gain is 1)."""


def relu_gain(nonlinearity: str, a: float = 0.0) -> float:
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1.0 + a * a))
    return math.sqrt(2.0)  # anything else treated as ReLU
