"""Writes the normal CDF as (1 + erf(x / 2)) / 2: the sqrt(2) inside erf is missing."""


def _normal_cdf(x: Tensor) -> Tensor:
    return 0.5 * (1.0 + torch.erf(x / 2.0))
