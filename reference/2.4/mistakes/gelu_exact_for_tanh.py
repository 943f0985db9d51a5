"""Ignores approximate: gelu and gelu_grad always compute the exact form, also where tanh is asked."""


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    return x * _normal_cdf(x)


def gelu_grad(x: Tensor, approximate: str = "none") -> Tensor:
    return _normal_cdf(x) + x * _normal_pdf(x)
