# %% [markdown]
# # Lesson 3.3 — Weight initialisation
#
# Write the initialisers of `torch.nn.init` that keep the signal's variance steady through a
# deep network: Xavier (Glorot) uniform and normal, and Kaiming (He) normal.
# Check your work with `grade 3.3` in this folder.
#
# A weight has shape `(out, in)` (`nn.Linear`'s layout) or `(out, in, *kernel)` for a
# convolution. Every initialiser fills the tensor it is given **in place** and returns that
# same tensor, drawing from torch's global random generator.

# %%
import math

import torch
from torch import Tensor

# %% [markdown]
# ## 1. Fans
# For a weight of shape `(out, in, *kernel)` with $k$ kernel entries ($k = 1$ for a linear
# layer): $\text{fan\_in} = \text{in} \cdot k$, $\text{fan\_out} = \text{out} \cdot k$.

# %%
def fans(tensor: Tensor) -> tuple[int, int]:
    """Return (fan_in, fan_out) of a weight of shape (out, in, *kernel), as Python ints."""
    raise NotImplementedError

# %% [markdown]
# ## 2. Xavier (Glorot)
# Keep the variance of both the forward and the backward signal:
# $\mathrm{Var}(w) = \text{gain}^2 \cdot \frac{2}{\text{fan\_in} + \text{fan\_out}}$.
# Uniform: $w \sim U(-b, b)$ with $b = \text{gain} \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}$
# (since $\mathrm{Var}\,U(-b, b) = b^2 / 3$). Normal: $w \sim N(0, \sigma^2)$ with
# $\sigma = \text{gain} \sqrt{2 / (\text{fan\_in} + \text{fan\_out})}$.

# %%
def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Fill tensor in place from U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)); return
    the same tensor object."""
    raise NotImplementedError


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Fill tensor in place from N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out));
    return the same tensor object."""
    raise NotImplementedError

# %% [markdown]
# ## 3. Kaiming (He)
# A ReLU halves the second moment, so each layer needs twice the variance:
# $w \sim N(0, \sigma^2)$, $\sigma = \text{gain} / \sqrt{\text{fan}}$, with
# $\text{gain} = \sqrt{2}$ for `"relu"`, $\sqrt{2 / (1 + a^2)}$ for `"leaky_relu"` (negative
# slope $a$) and $1$ for `"linear"`; $\text{fan}$ is fan_in (`mode="fan_in"`, keeps the
# forward variance) or fan_out (`mode="fan_out"`, keeps the backward one).

# %%
def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "relu") -> Tensor:
    """Fill tensor in place from N(0, std^2), std = gain / sqrt(fan); return the same tensor
    object. mode is "fan_in" or "fan_out"; nonlinearity "relu", "leaky_relu" or "linear"."""
    raise NotImplementedError

# %%
if __name__ == "__main__":
    w = torch.empty(256, 1024)
    print(kaiming_normal_(w) is w, w.var().item(), 2 / 1024)
    h = torch.randn(512)
    for _ in range(20):
        h = torch.relu(kaiming_normal_(torch.empty(512, 512)) @ h)
    print("activation second moment after 20 layers:", (h**2).mean().item())
    print(math.sqrt(2))
