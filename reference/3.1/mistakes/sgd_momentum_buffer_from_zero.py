"""Starts the momentum buffer at zero, so the first buffer is (1 - dampening) * g, not g."""


class SGD(SGD):
    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
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
                    b.mul_(mu).add_(g, alpha=1 - tau)
                    g = g + mu * b if nesterov else b
                p.add_(g, alpha=-lr)
        return loss
