# %% [markdown]
# # Lesson 1.3 — Batch vs stochastic gradient descent
#
# Gradient descent can use all the data for every step (batch), one example per step
# (stochastic), or something in between (mini-batch). Write the three, and the function
# that cuts the data into shuffled mini-batches. Check your work with `grade 1.3` in this
# folder.
#
# The model is linear regression without a bias: $\hat y = X w$, with the mean squared
# error on a batch $B$ of rows,
# $$L_B(w) = \frac{1}{|B|} \sum_{i \in B} (x_i^\top w - y_i)^2, \qquad
# \nabla L_B(w) = \frac{2}{|B|} X_B^\top (X_B w - y_B),$$
# and every update is $w \leftarrow w - \eta \, \nabla L_B(w)$.
#
# Shapes: `X` is `(n, d)`, `y` is `(n,)`, `w0` is `(d,)`, float32 or float64.

# %%
import torch
from torch import Tensor

# %% [markdown]
# ## 0. Given: the batch loss and its gradient
# Lesson 1.2 derived it; it is written for you.

# %%
def mse_and_grad(X: Tensor, y: Tensor, w: Tensor) -> tuple[float, Tensor]:
    """The batch loss (1/|B|) ||X w - y||^2 as a float, and its gradient (2/|B|) X^T (X w - y)."""
    residual = X @ w - y
    return (residual @ residual).item() / X.shape[0], 2.0 / X.shape[0] * (X.T @ residual)

# %% [markdown]
# ## 1. Mini-batches of indices
# Shuffle with `torch.randperm(n, generator=generator)` (exactly this call, once per call
# of `minibatches`, so that the grader can reproduce your order), or take `torch.arange(n)`
# when `shuffle` is False. Cut the order into consecutive pieces of `batch_size`; the last
# piece may be shorter, and is left out only when `drop_last` is True.

# %%
def minibatches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True,
                drop_last: bool = False) -> list[Tensor]:
    """Return a list of int64 index tensors that together cover range(n) once.

    Example: n=5, batch_size=2, shuffle=False -> [tensor([0, 1]), tensor([2, 3]), tensor([4])];
    with drop_last=True the last, partial batch tensor([4]) is left out.
    """
    raise NotImplementedError

# %% [markdown]
# ## 2. Batch gradient descent
# One update per epoch, on all $n$ rows: $w \leftarrow w - \eta \, \nabla L_{\{1..n\}}(w)$.

# %%
def batch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float,
             epochs: int) -> tuple[Tensor, list[float]]:
    """Return (w, history): the final weights (d,) and the loss before each update.

    len(history) == epochs; entries are Python floats. w0 is not modified.
    """
    raise NotImplementedError

# %% [markdown]
# ## 3. Mini-batch and stochastic gradient descent
# Each epoch: one call `minibatches(n, batch_size, generator)` (shuffled, last partial
# batch kept), then one update per batch, in that order. SGD is the case `batch_size = 1`.

# %%
def minibatch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int, batch_size: int,
                 generator: torch.Generator) -> tuple[Tensor, list[float]]:
    """Return (w, history): the final weights (d,) and each batch's loss before its update.

    len(history) == epochs * ceil(n / batch_size); entries are Python floats.
    w0 is not modified.
    """
    raise NotImplementedError


def sgd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int,
        generator: torch.Generator) -> tuple[Tensor, list[float]]:
    """Stochastic gradient descent: batches of one example, reshuffled every epoch.

    Return (w, history) with len(history) == epochs * n. w0 is not modified.
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(200, 3, generator=gen)
    y = X @ torch.tensor([1.0, -2.0, 0.5]) + 0.1 * torch.randn(200, generator=gen)
    w0 = torch.zeros(3)
    for name, (w, history) in {
        "batch": batch_gd(X, y, w0, lr=0.1, epochs=20),
        "mini-batch (32)": minibatch_gd(X, y, w0, lr=0.05, epochs=20, batch_size=32,
                                        generator=torch.Generator().manual_seed(1)),
        "stochastic": sgd(X, y, w0, lr=0.01, epochs=20,
                          generator=torch.Generator().manual_seed(1)),
    }.items():
        print(f"{name:16s} updates={len(history):5d} last loss={history[-1]:.4f} w={w}")
