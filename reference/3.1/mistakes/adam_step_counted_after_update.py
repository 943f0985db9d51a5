"""Increments the step counter after the update, so the first bias correction divides by zero."""


def _adam_update(p: Tensor, g: Tensor, state: dict[str, Any], lr: float, beta1: float,
                 beta2: float, eps: float) -> None:
    if not state:
        state["step"] = torch.tensor(0.0)
        state["exp_avg"] = torch.zeros_like(p)
        state["exp_avg_sq"] = torch.zeros_like(p)
    t = state["step"].item()
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m.mul_(beta1).add_(g, alpha=1 - beta1)
    v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    p.addcdiv_(m_hat, v_hat.sqrt() + eps, value=-lr)
    state["step"] += 1
