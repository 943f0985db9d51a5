"""Applies AdamW's decoupled decay after the Adam step instead of before it."""


class AdamW(AdamW):
    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, lam = (group["lr"], group["betas"], group["eps"],
                                            group["weight_decay"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                _adam_update(p, p.grad, self.state[p], lr, beta1, beta2, eps)
                p.mul_(1 - lr * lam)
        return loss
