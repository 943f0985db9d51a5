"""Uses the tanh approximation of GELU for both forms, also where the exact x * Phi(x) is asked."""


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    u = SQRT_2_OVER_PI * (x + GELU_TANH_COEFF * x**3)
    return 0.5 * x * (1.0 + torch.tanh(u))
