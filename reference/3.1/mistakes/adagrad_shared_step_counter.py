"""Counts Adagrad's steps with one counter shared by all parameters (one tick per parameter)."""


class Adagrad(Adagrad):
    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, eta, lam, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                self.shared_step = getattr(self, "shared_step", 0) + 1
                state = self.state[p]
                if "sum" not in state:
                    state["sum"] = torch.full_like(p, group["initial_accumulator_value"])
                state["step"] = torch.tensor(float(self.shared_step))
                t = self.shared_step
                g = p.grad
                if lam != 0:
                    g = g + lam * p
                lr_t = lr / (1 + (t - 1) * eta)
                state["sum"].addcmul_(g, g)
                p.addcdiv_(g, state["sum"].sqrt() + eps, value=-lr_t)
        return loss
