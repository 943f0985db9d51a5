# %% [markdown]
# # Lesson 3.1 — Optimizers beyond SGD
#
# Write five optimizers as subclasses of `torch.optim.Optimizer`: `SGD` (momentum,
# dampening, Nesterov, weight decay), `Adagrad`, `RMSprop`, `Adam` and `AdamW`.
# The constructors are written for you: they store the hyperparameters in `defaults`, so
# every entry of `self.param_groups` is a dict holding `"params"` and each hyperparameter.
# You write each `step`. Check your work with `grade 3.1` in this folder.
#
# In every `step`:
# - evaluate `closure` (if given) under `torch.enable_grad()` and return its loss (else None);
# - loop over `self.param_groups`, then over `group["params"]`; skip `p` whose `p.grad` is None;
# - read the hyperparameters from the group (groups may differ, e.g. in `lr`);
# - keep per-parameter state in `self.state[p]` under torch's key names (listed below);
# - update `p` in place (`step` runs under `torch.no_grad()`).
#
# Only `torch.optim.Optimizer` may be used from `torch.optim`: calling `torch.optim.SGD`,
# `torch.optim.Adam`, ... or their functional forms is detected and not accepted.

# %%
"""Lesson 3.1 stub: SGD, Adagrad, RMSprop, Adam and AdamW written by hand."""
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

Closure = Callable[[], Tensor] | None

# %% [markdown]
# ## 1. SGD with momentum
# With weight decay $\lambda$, momentum $\mu$, dampening $\tau$ and learning rate $\gamma$:
# $g_t \leftarrow g_t + \lambda\theta_{t-1}$; $b_1 = g_1$ and $b_t = \mu b_{t-1} + (1-\tau) g_t$
# for $t > 1$; the direction is $g_t + \mu b_t$ with Nesterov, $b_t$ without;
# $\theta_t = \theta_{t-1} - \gamma\,\mathrm{direction}$. State: `"momentum_buffer"` (only
# when $\mu \neq 0$).

# %%
class SGD(Optimizer):
    """SGD with momentum, dampening, Nesterov momentum and L2 weight decay."""

    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False) -> None:
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        """Update every parameter with a gradient in place; return closure()'s loss or None.

        State per parameter (when momentum != 0): "momentum_buffer", a tensor like p.
        """
        raise NotImplementedError

# %% [markdown]
# ## 2. Adagrad
# $\tilde\gamma_t = \gamma / (1 + (t-1)\eta)$, $g_t \leftarrow g_t + \lambda\theta_{t-1}$,
# $s_t = s_{t-1} + g_t^2$ (with $s_0$ = `initial_accumulator_value`),
# $\theta_t = \theta_{t-1} - \tilde\gamma_t\, g_t / (\sqrt{s_t} + \epsilon)$.
# State: `"step"` ($t$), `"sum"` ($s_t$).

# %%
class Adagrad(Optimizer):
    """Adagrad with learning-rate decay, L2 weight decay and an initial accumulator value."""

    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "eps": eps}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        """Update every parameter with a gradient in place; return closure()'s loss or None.

        State per parameter: "step" (steps taken, a float tensor or number) and "sum".
        """
        raise NotImplementedError

# %% [markdown]
# ## 3. RMSprop
# $g_t \leftarrow g_t + \lambda\theta_{t-1}$, $v_t = \alpha v_{t-1} + (1-\alpha) g_t^2$;
# centered: $\bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t$ and
# $\tilde v_t = v_t - \bar g_t^2$, else $\tilde v_t = v_t$;
# with momentum $\mu > 0$: $b_t = \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon)$ and
# $\theta_t = \theta_{t-1} - \gamma b_t$, else
# $\theta_t = \theta_{t-1} - \gamma\, g_t / (\sqrt{\tilde v_t} + \epsilon)$.
# State: `"step"`, `"square_avg"`, `"momentum_buffer"` (if $\mu > 0$), `"grad_avg"` (if centered).

# %%
class RMSprop(Optimizer):
    """RMSprop, optionally centered and with momentum, with L2 weight decay."""

    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                    "momentum": momentum, "centered": centered}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        """Update every parameter with a gradient in place; return closure()'s loss or None.

        State per parameter: "step", "square_avg", "momentum_buffer" (momentum > 0),
        "grad_avg" (centered).
        """
        raise NotImplementedError

# %% [markdown]
# ## 4. Adam and AdamW
# Adam: $g_t \leftarrow g_t + \lambda\theta_{t-1}$ (L2). AdamW instead shrinks the weights
# first, $\theta_{t-1} \leftarrow \theta_{t-1}(1 - \gamma\lambda)$, and leaves $g_t$ alone. Then
# both: $m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t$, $v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$,
# $\hat m_t = m_t / (1-\beta_1^t)$, $\hat v_t = v_t / (1-\beta_2^t)$,
# $\theta_t = \theta_{t-1} - \gamma\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)$, with $t = 1$ at
# the first step. State: `"step"` ($t$), `"exp_avg"` ($m_t$), `"exp_avg_sq"` ($v_t$).

# %%
class Adam(Optimizer):
    """Adam with bias correction; weight decay is an L2 term added to the gradient."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        """Update every parameter with a gradient in place; return closure()'s loss or None.

        State per parameter: "step" (t after this step), "exp_avg", "exp_avg_sq".
        """
        raise NotImplementedError


class AdamW(Optimizer):
    """Adam with decoupled weight decay: p shrinks by lr * weight_decay before each step."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Tensor | None:
        """Update every parameter with a gradient in place; return closure()'s loss or None.

        State per parameter: "step" (t after this step), "exp_avg", "exp_avg_sq".
        """
        raise NotImplementedError

# %%
if __name__ == "__main__":
    # minimise ||x - 3||^2 with each optimizer and print where it ends
    for cls in (SGD, Adagrad, RMSprop, Adam, AdamW):
        x = torch.zeros(3, requires_grad=True)
        opt = cls([x], lr=0.1)
        for _ in range(200):
            opt.zero_grad()
            ((x - 3) ** 2).sum().backward()
            opt.step()
        print(cls.__name__, x.detach())
