"""Uses the tanh approximation of GELU for both forms, in gelu and in gelu_grad."""


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    u = SQRT_2_OVER_PI * (x + GELU_TANH_COEFF * x**3)
    return 0.5 * x * (1.0 + torch.tanh(u))


def gelu_grad(x: Tensor, approximate: str = "none") -> Tensor:
    u = SQRT_2_OVER_PI * (x + GELU_TANH_COEFF * x**3)
    t = torch.tanh(u)
    du_dx = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_COEFF * x * x)
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du_dx
