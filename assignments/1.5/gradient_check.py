# %% [markdown]
# # Lesson 1.5 — Numerical vs analytical gradients
#
# Autograd computes gradients analytically, by the chain rule. Finite differences compute
# them numerically, from nothing but values of the function. Comparing the two, a
# *gradient check*, is how a hand-written backward is tested.
# Check your work with `grade 1.5` in this folder.
#
# `f` is a function of one tensor that returns a scalar (a 0-dim tensor); `x` is a
# float64 tensor of any shape.

# %%
from collections.abc import Callable

import torch
from torch import Tensor

# %% [markdown]
# ## 1. The numerical gradient, by central differences
# For every entry $x_i$, with $e_i$ the tensor that is 1 at entry $i$ and 0 elsewhere:
#
# $$\partial f / \partial x_i \approx \frac{f(x + \epsilon e_i) - f(x - \epsilon e_i)}{2 \epsilon}$$
#
# Its error is $O(\epsilon^2)$. Work in `x`'s dtype (float64), and leave `x` exactly as
# you found it: perturb a copy, or put every entry back.

# %%
def numerical_grad(f: Callable[[Tensor], Tensor], x: Tensor, eps: float = 1e-5) -> Tensor:
    """Return the central-difference gradient of f at x: same shape and dtype as x.

    f maps a tensor shaped like x to a 0-dim tensor. x must hold the same values after
    the call as before it.
    """
    raise NotImplementedError

# %% [markdown]
# ## 2. Relative error
# $$\mathrm{rel}(a, b) = \frac{\|a - b\|}{\max(\|a\|, \|b\|, 10^{-12})}$$
#
# with the Euclidean norm over all entries. It is symmetric in $a$ and $b$, and 0 for two
# zero tensors.

# %%
def relative_error(a: Tensor, b: Tensor) -> float:
    """Return ||a - b|| / max(||a||, ||b||, 1e-12) as a Python float (a, b: same shape)."""
    raise NotImplementedError

# %% [markdown]
# ## 3. The gradient check
# Compare `numerical_grad(f, x)` (default `eps`) with the gradient autograd computes for
# `f` at `x`, and return their relative error. Around $10^{-10}$ means the backward is
# right; a wrong backward gives something of order 1.

# %%
def grad_check(f: Callable[[Tensor], Tensor], x: Tensor) -> float:
    """Return relative_error(numerical gradient, autograd gradient) of f at x, a float.

    Take autograd's gradient at a detached copy of x that requires grad; x itself must
    not change.
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    x = torch.randn(3, 4, dtype=torch.float64)

    def f(t: Tensor) -> Tensor:
        return (torch.sin(t) * t**2).sum()

    print("numerical:", numerical_grad(f, x))
    print("grad_check:", grad_check(f, x))
