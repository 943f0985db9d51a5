"""Writes SGD momentum as a moving average, buf = m * buf + (1 - m) * g, starting from zeros."""


class SGD(SGD):
    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, mu = group["lr"], group["momentum"]
            lam, nesterov = group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if lam != 0:
                    g = g + lam * p
                if mu != 0:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = torch.zeros_like(p)
                    b = state["momentum_buffer"]
                    b.mul_(mu).add_(g, alpha=1 - mu)
                    g = g + mu * b if nesterov else b
                p.add_(g, alpha=-lr)
        return loss
