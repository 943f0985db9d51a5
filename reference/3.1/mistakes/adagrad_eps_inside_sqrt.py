"""Puts Adagrad's eps inside the square root: divides by sqrt(sum + eps), not sqrt(sum) + eps."""


class Adagrad(Adagrad):
    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, eta, lam, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0)
                    state["sum"] = torch.full_like(p, group["initial_accumulator_value"])
                state["step"] += 1
                t = state["step"].item()
                g = p.grad
                if lam != 0:
                    g = g + lam * p
                lr_t = lr / (1 + (t - 1) * eta)
                state["sum"].addcmul_(g, g)
                p.addcdiv_(g, (state["sum"] + eps).sqrt(), value=-lr_t)
        return loss
