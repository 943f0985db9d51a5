# %% [markdown]
# # Lesson 2.4 — The role of activations
#
# Write two modern activations, Leaky ReLU and GELU (exact and tanh forms, as
# `torch.nn.functional.gelu` has them), and their derivatives by hand; then measure how
# many ReLU units of a network are dead on a batch.
# Check your work with `grade 2.4` in this folder.
#
# Inputs `x` are float32 or float64 tensors of any shape; every function returns a tensor
# of the same shape **and the same dtype** as `x`. The grader also tries `x = 0` exactly
# (and `-0.0`) and large `|x|` such as `1e4`: no inf, no NaN.

# %%
import math

import torch
from torch import Tensor, nn

# %% [markdown]
# ## 1. Leaky ReLU and its derivative
# $\mathrm{LeakyReLU}(x) = x$ for $x > 0$ and $\alpha x$ for $x \le 0$, with
# $\alpha$ = `negative_slope` (0.01 by default). Its derivative is $1$ for $x > 0$ and
# $\alpha$ for $x < 0$; at the kink $x = 0$ we use PyTorch's convention: $\alpha$.

# %%
def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """Return x where x > 0 and negative_slope * x elsewhere (same shape and dtype as x)."""
    raise NotImplementedError


def leaky_relu_grad(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """Return d leaky_relu(x) / dx element by element: 1 where x > 0, negative_slope
    elsewhere (x = 0 included). Same shape and dtype as x. No autograd.
    """
    raise NotImplementedError

# %% [markdown]
# ## 2. GELU, exact and tanh forms
# With $\Phi(x) = \frac{1}{2}\big(1 + \mathrm{erf}(x/\sqrt{2})\big)$ the standard normal
# CDF and $\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}$ its density:
#
# - exact (`approximate="none"`, the default): $\mathrm{GELU}(x) = x\,\Phi(x)$;
# - tanh (`approximate="tanh"`): $\frac{1}{2}x\big(1 + \tanh u\big)$ with
#   $u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)$.
#
# Their derivatives come from the product rule: $\frac{d}{dx}\,x\Phi(x) = \Phi(x) + x\,\varphi(x)$;
# for the tanh form, the product rule and then the chain rule through $\tanh$ and $u$
# ($\tanh' = 1 - \tanh^2$).

# %%
def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Return GELU(x) as torch.nn.functional.gelu(x, approximate=approximate) does:
    approximate="none" is x * Phi(x), approximate="tanh" the tanh formula. Same dtype as x.
    """
    raise NotImplementedError


def gelu_grad(x: Tensor, approximate: str = "none") -> Tensor:
    """Return d gelu(x, approximate) / dx element by element, for either form. Same shape
    and dtype as x. No autograd.
    """
    raise NotImplementedError

# %% [markdown]
# ## 3. Dead ReLU units
# A hidden unit is **dead** on a batch `X` when the output of its ReLU is 0 for every row
# of `X` (its pre-activation is $\le 0$ everywhere): it passes no signal and gets no
# gradient. `model` is an `nn.Sequential` of `nn.Linear` and `nn.ReLU` layers; its hidden
# units are the outputs of its `nn.ReLU` layers. Count over all of them together.

# %%
def dead_relu_fraction(model: nn.Module, X: Tensor) -> float:
    """Return (dead hidden units) / (hidden units) as a Python float, where a unit (one
    column of an nn.ReLU layer's output) is dead when it is 0 for every row of X (n, d).
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    x = torch.linspace(-4, 4, 9, dtype=torch.float64)
    print("leaky_relu:", leaky_relu(x, 0.1))
    print("gelu exact:", gelu(x))
    print("gelu tanh: ", gelu(x, approximate="tanh"))
    print("gelu(1) =", float(gelu(torch.ones(1))[0]),
          "vs 1 * Phi(1) =", 0.5 * (1 + math.erf(1 / math.sqrt(2))))

    # Your derivatives against autograd (autograd is fine here, in the demo).
    for form in ("none", "tanh"):
        leaf = x.clone().requires_grad_(True)
        torch.nn.functional.gelu(leaf, approximate=form).sum().backward()
        print(f"gelu_grad ({form}) max |difference|:",
              float((gelu_grad(x, form) - leaf.grad).abs().max()))
    print("gelu'(0) =", float(gelu_grad(torch.zeros(1))[0]), "(expected 0.5)")

    # A network whose second unit has a large negative bias never fires on this data.
    g = torch.Generator().manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with torch.no_grad():
        model[0].bias.copy_(torch.tensor([0.0, -100.0, 0.0, 0.0]))
    X = torch.randn(32, 3, generator=g)
    print("dead fraction:", dead_relu_fraction(model, X), f"(at least {1 / 4})")
