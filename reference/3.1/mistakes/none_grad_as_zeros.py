"""SGD, Adagrad and RMSprop step a parameter whose .grad is None as if its gradient were zeros:
with weight decay it still moves (g = 0 + weight_decay * p), and Adagrad and RMSprop count a
step for it. (Adam and AdamW skip it, as the reference does.)"""


class SGD(SGD):
    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
            lam, nesterov = group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                g = p.grad if p.grad is not None else torch.zeros_like(p)
                if lam != 0:
                    g = g + lam * p
                if mu != 0:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = g.clone()
                    else:
                        state["momentum_buffer"].mul_(mu).add_(g, alpha=1 - tau)
                    b = state["momentum_buffer"]
                    g = g + mu * b if nesterov else b
                p.add_(g, alpha=-lr)
        return loss


class Adagrad(Adagrad):
    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, eta, lam, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0)
                    state["sum"] = torch.full_like(p, group["initial_accumulator_value"])
                state["step"] += 1
                t = state["step"].item()
                g = p.grad if p.grad is not None else torch.zeros_like(p)
                if lam != 0:
                    g = g + lam * p
                lr_t = lr / (1 + (t - 1) * eta)
                state["sum"].addcmul_(g, g)
                p.addcdiv_(g, state["sum"].sqrt() + eps, value=-lr_t)
        return loss


class RMSprop(RMSprop):
    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            lam, mu, centered = group["weight_decay"], group["momentum"], group["centered"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0)
                    state["square_avg"] = torch.zeros_like(p)
                    if mu > 0:
                        state["momentum_buffer"] = torch.zeros_like(p)
                    if centered:
                        state["grad_avg"] = torch.zeros_like(p)
                state["step"] += 1
                g = p.grad if p.grad is not None else torch.zeros_like(p)
                if lam != 0:
                    g = g + lam * p
                v = state["square_avg"]
                v.mul_(alpha).addcmul_(g, g, value=1 - alpha)
                if centered:
                    g_avg = state["grad_avg"]
                    g_avg.mul_(alpha).add_(g, alpha=1 - alpha)
                    denom = (v - g_avg * g_avg).sqrt() + eps
                else:
                    denom = v.sqrt() + eps
                if mu > 0:
                    b = state["momentum_buffer"]
                    b.mul_(mu).addcdiv_(g, denom)
                    p.add_(b, alpha=-lr)
                else:
                    p.addcdiv_(g, denom, value=-lr)
        return loss
