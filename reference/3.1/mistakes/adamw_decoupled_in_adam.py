"""Gives Adam AdamW's decoupled decay (p *= 1 - lr * weight_decay) instead of L2 in the gradient."""


class Adam(Adam):
    def _decay(self, p: Tensor, g: Tensor, lr: float, lam: float) -> Tensor:
        p.mul_(1 - lr * lam)
        return g
