"""Writes the moving averages with beta and 1 - beta swapped (bias correction left as it is)."""


def _adam_update(p: Tensor, g: Tensor, state: dict[str, Any], lr: float, beta1: float,
                 beta2: float, eps: float) -> None:
    if not state:
        state["step"] = torch.tensor(0.0)
        state["exp_avg"] = torch.zeros_like(p)
        state["exp_avg_sq"] = torch.zeros_like(p)
    state["step"] += 1
    t = state["step"].item()
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m.mul_(1 - beta1).add_(g, alpha=beta1)
    v.mul_(1 - beta2).addcmul_(g, g, value=beta2)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    p.addcdiv_(m_hat, v_hat.sqrt() + eps, value=-lr)
