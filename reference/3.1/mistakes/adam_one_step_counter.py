"""Adam (and AdamW, its subclass) counting steps once per step() call, for all parameters."""


class Adam(Optimizer):
    """Adam with one step counter for the whole optimizer."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)
        self.t = 0

    def _decay(self, p: Tensor, g: Tensor, lr: float, lam: float) -> Tensor:
        return g + lam * p

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _evaluate(closure)
        self.t += 1  # one count per call, whether a parameter had a gradient or not
        for group in self.param_groups:
            lr, (beta1, beta2), eps, lam = (group["lr"], group["betas"], group["eps"],
                                            group["weight_decay"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if lam != 0:
                    g = self._decay(p, g, lr, lam)
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] = torch.tensor(float(self.t))
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                m_hat = m / (1 - beta1**self.t)
                v_hat = v / (1 - beta2**self.t)
                p.addcdiv_(m_hat, v_hat.sqrt() + eps, value=-lr)
        return loss


class AdamW(Adam):
    """AdamW on the same counter."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _decay(self, p: Tensor, g: Tensor, lr: float, lam: float) -> Tensor:
        p.mul_(1 - lr * lam)
        return g
