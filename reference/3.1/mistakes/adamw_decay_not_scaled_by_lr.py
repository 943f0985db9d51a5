"""Decays AdamW's weights by weight_decay alone, p *= 1 - lambda, forgetting the factor lr."""


class AdamW(AdamW):
    def _decay(self, p: Tensor, g: Tensor, lr: float, lam: float) -> Tensor:
        p.mul_(1 - lam)
        return g
