# %% [markdown]
# # Lesson 1.2 — Linear regression by hand
#
# Write linear regression without autograd: the prediction, the mean squared error,
# its gradient worked out by hand, one gradient-descent step, and the loop that fits.
# Check your work with `grade 1.2` in this folder.
#
# Shapes: `X` is `(n, d)`, `y` is `(n,)`, `w` is `(d,)`, `b` is a 0-dim tensor.

# %%
import torch
from torch import Tensor

# %% [markdown]
# ## 1. Prediction and loss
# $\hat y = X w + b$ and $L = \frac{1}{n}\sum_i (\hat y_i - y_i)^2$.

# %%
def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """Return the predictions X @ w + b, of shape (n,)."""
    raise NotImplementedError


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    """Return the mean squared error between y_pred (n,) and y (n,), a 0-dim tensor."""
    raise NotImplementedError

# %% [markdown]
# ## 2. The gradient, by hand (no autograd)
# $\frac{\partial L}{\partial w} = \frac{2}{n} X^\top (\hat y - y)$ and
# $\frac{\partial L}{\partial b} = \frac{2}{n} \sum_i (\hat y_i - y_i)$.

# %%
def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Return (dw, db): the gradient of the MSE w.r.t. w (shape (d,)) and b (0-dim).

    Work it out by hand: autograd (backward, torch.autograd) is not allowed here.
    """
    raise NotImplementedError

# %% [markdown]
# ## 3. One step, then the whole fit
# $w \leftarrow w - \eta \, \partial L / \partial w$,
# $b \leftarrow b - \eta \, \partial L / \partial b$.

# %%
def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    """Return the new (w, b) after one gradient-descent step with learning rate lr."""
    raise NotImplementedError


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    """Fit by gradient descent from w = 0, b = 0 (in X's dtype) for `steps` steps.

    Return (w, b, losses) where losses[i] is the MSE (a Python float) *before* step i,
    so len(losses) == steps. No autograd.
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    X = torch.randn(100, 3)
    y = X @ torch.tensor([1.0, -2.0, 0.5]) + 0.3
    w, b, losses = fit(X, y, lr=0.1, steps=200)
    print("w =", w, "b =", float(b), "final loss =", losses[-1])
