"""Writes Nesterov's step direction as buf + momentum * g instead of g + momentum * buf."""


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
                        state["momentum_buffer"] = g.clone()
                    else:
                        state["momentum_buffer"].mul_(mu).add_(g, alpha=1 - tau)
                    b = state["momentum_buffer"]
                    g = b + mu * g if nesterov else b
                p.add_(g, alpha=-lr)
        return loss
