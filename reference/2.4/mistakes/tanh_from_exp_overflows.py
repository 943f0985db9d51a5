"""Writes tanh(u) as (exp(2u) - 1) / (exp(2u) + 1), which is inf / inf = NaN for large u."""

_gelu_exact = gelu


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    if approximate != "tanh":
        return _gelu_exact(x, approximate)
    e = torch.exp(2.0 * SQRT_2_OVER_PI * (x + GELU_TANH_COEFF * x**3))
    return 0.5 * x * (1.0 + (e - 1.0) / (e + 1.0))
