"""Adds the weight decay to the step direction after the momentum buffer, not to g before it."""


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
                if mu != 0:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = g.clone()
                    else:
                        state["momentum_buffer"].mul_(mu).add_(g, alpha=1 - tau)
                    b = state["momentum_buffer"]
                    g = g + mu * b if nesterov else b
                if lam != 0:
                    g = g + lam * p
                p.add_(g, alpha=-lr)
        return loss
