# %% [markdown]
# # Lesson 3.4 — Deeper networks
#
# The tools that let networks go deep: normalisation layers (layer norm, RMS norm, batch
# norm with its running statistics), a residual block, gradient clipping and a per-layer
# view of gradient norms. Each function has the signature of its PyTorch counterpart
# (`torch.nn.functional.layer_norm`, `rms_norm`, `batch_norm`,
# `torch.nn.utils.clip_grad_norm_`), and the grader compares values *and* gradients with
# them. Autograd is allowed here: write the forward computation with differentiable tensor
# operations and the gradients follow. Check your work with `grade 3.4` in this folder.
#
# Every function keeps the input's dtype (float32 in, float32 out; float64 in, float64 out).

# %%
"""Lesson 3.4 stub: layer, RMS and batch norm, a residual block, gradient clipping."""
from collections.abc import Iterable, Sequence

import torch
from torch import Tensor, nn

# %% [markdown]
# ## 1. Layer norm and RMS norm
# Both normalise each sample over its last `len(normalized_shape)` dims (the features), never
# across the batch. With $\mu$ and $\sigma^2$ the mean and the **biased** variance (divide by
# the count) over those dims:
#
# - layer norm: $y = \dfrac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \cdot w + b$
#   (no $w$ / $b$ when they are None);
# - RMS norm: $y = \dfrac{x}{\sqrt{\mathrm{mean}(x^2) + \epsilon}} \cdot w$: no mean is
#   subtracted; `eps=None` means `torch.finfo(x.dtype).eps`.
#
# `weight` and `bias` have the shape `normalized_shape`. $\epsilon$ goes *inside* the root.

# %%
def layer_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Return torch.nn.functional.layer_norm(x, normalized_shape, weight, bias, eps): each
    sample of x normalised over its last len(normalized_shape) dims. Same shape and dtype.
    """
    raise NotImplementedError


def rms_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """Return torch.nn.functional.rms_norm(x, normalized_shape, weight, eps): x divided by
    the root mean square over its last len(normalized_shape) dims, times weight.
    """
    raise NotImplementedError

# %% [markdown]
# ## 2. Batch norm, training and eval
# `x` has shape `(N, C)` or `(N, C, L)`; the statistics of channel `c` are over every dim
# but dim 1 (so `n = N` or `N * L` values per channel). `weight`, `bias`, `running_mean` and
# `running_var` have shape `(C,)`.
#
# - `training=True`: normalise with the batch's mean and **biased** variance, and update
#   the running buffers **in place**:
#   `running_mean = (1 - momentum) * running_mean + momentum * mean`,
#   `running_var = (1 - momentum) * running_var + momentum * var_unbiased`, where
#   `var_unbiased = var * n / (n - 1)`. Do the update under `torch.no_grad()`.
# - `training=False` (eval): normalise with `running_mean` and `running_var`; leave them
#   unchanged.
#
# Then $y = (x - \text{mean}) / \sqrt{\text{var} + \epsilon} \cdot w + b$, per channel.

# %%
def batch_norm(x: Tensor, running_mean: Tensor, running_var: Tensor,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Return torch.nn.functional.batch_norm(x, running_mean, running_var, weight, bias,
    training, momentum, eps) for x of shape (N, C) or (N, C, L); in training mode also
    update running_mean and running_var in place.
    """
    raise NotImplementedError

# %% [markdown]
# ## 3. A residual block
# `ResidualBlock(dim, hidden)` holds three submodules with exactly these names:
# `norm = nn.LayerNorm(dim)`, `fc1 = nn.Linear(dim, hidden)`, `fc2 = nn.Linear(hidden, dim)`
# (the grader loads weights into them by name). Its forward is pre-norm:
# $\mathrm{block}(x) = x + \mathrm{fc2}(\mathrm{relu}(\mathrm{fc1}(\mathrm{norm}(x))))$.

# %%
class ResidualBlock(nn.Module):
    """x + fc2(relu(fc1(norm(x)))) for x of shape (n, dim)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        """Return x plus the branch fc2(relu(fc1(norm(x)))); shape (n, dim)."""
        raise NotImplementedError

# %% [markdown]
# ## 4. Gradient clipping and per-layer gradient norms
# `clip_grad_norm_` treats all gradients as one vector: with
# $\|g\| = \sqrt{\sum_p \|g_p\|^2}$ over the parameters that have a `.grad`, multiply every
# gradient **in place** by $\min\big(1, \text{max\_norm} / (\|g\| + 10^{-6})\big)$ and return
# $\|g\|$ (measured before clipping) as a 0-d tensor. `parameters` may be a generator
# (`model.parameters()`) that can be iterated only once; parameters whose `.grad` is None
# are skipped.
#
# `grad_norms_by_layer(model)` returns `{name: ||p.grad||}` (Python floats) for each
# `name, p` of `model.named_parameters()` that has a gradient.

# %%
def clip_grad_norm_(parameters: Iterable[Tensor], max_norm: float) -> Tensor:
    """Scale all gradients together, in place, so that their global L2 norm is at most
    max_norm; return the global norm before clipping (a 0-d tensor), as
    torch.nn.utils.clip_grad_norm_ does.
    """
    raise NotImplementedError


def grad_norms_by_layer(model: nn.Module) -> dict[str, float]:
    """Return {parameter name: L2 norm of its .grad} for the parameters that have one."""
    raise NotImplementedError

# %%
if __name__ == "__main__":
    import torch.nn.functional as F

    torch.manual_seed(0)
    x = torch.randn(4, 6)
    w, b = torch.randn(6), torch.randn(6)
    ln_diff = layer_norm(x, (6,), w, b) - F.layer_norm(x, (6,), w, b)
    rms_diff = rms_norm(x, (6,), w) - F.rms_norm(x, (6,), w)
    print("layer_norm max |diff|:", float(ln_diff.abs().max()))
    print("rms_norm   max |diff|:", float(rms_diff.abs().max()))

    rm, rv = torch.zeros(6), torch.ones(6)
    rm_t, rv_t = rm.clone(), rv.clone()
    y = batch_norm(x, rm, rv, training=True, momentum=0.2)
    y_t = F.batch_norm(x, rm_t, rv_t, training=True, momentum=0.2)
    print("batch_norm max |diff|:", float((y - y_t).abs().max()),
          "running:", float((rm - rm_t).abs().max()), float((rv - rv_t).abs().max()))

    model = nn.Sequential(ResidualBlock(6, 16), ResidualBlock(6, 16), nn.Linear(6, 1))
    model(x).pow(2).mean().backward()
    print("grad norms:", {k: round(v, 4) for k, v in grad_norms_by_layer(model).items()})
    print("total norm before clipping:", float(clip_grad_norm_(model.parameters(), 0.1)))
    print("after:", float(torch.linalg.vector_norm(
        torch.stack([p.grad.norm() for p in model.parameters()]))))
