"""Differentiates x * Phi(x) as Phi(x): the product rule's second term x * phi(x) is missing."""


def gelu_grad(x: Tensor, approximate: str = "none") -> Tensor:
    if approximate == "tanh":
        u = SQRT_2_OVER_PI * (x + GELU_TANH_COEFF * x**3)
        return 0.5 * (1.0 + torch.tanh(u))
    return _normal_cdf(x)
