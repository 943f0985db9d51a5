# %% [markdown]
# # Lesson 1.4 — Visualizing the loss landscape
#
# For a model with two parameters the loss is a surface you can look at. Take the
# one-feature model $\hat y = w x + b$ and its mean squared error
# $L(w, b) = \frac{1}{n}\sum_k (w x_k + b - y_k)^2$: evaluate it on a whole grid of
# $(w, b)$ values at once (no Python loop), then trace the path gradient descent takes
# across that surface. Check your work with `grade 1.4` in this folder.
#
# Shapes: `X` and `y` are `(n,)` (one feature per sample), `w_values` is `(nw,)`,
# `b_values` is `(nb,)`.

# %%
import torch
from torch import Tensor

# %% [markdown]
# ## 1. The loss on a grid
# `result[i, j]` $= \frac{1}{n}\sum_k (w_i x_k + b_j - y_k)^2$ with $w_i$ = `w_values[i]`
# and $b_j$ = `b_values[j]`: rows follow $w$, columns follow $b$.
#
# Use broadcasting, not a Python loop over the grid: a loop is graded as too slow.
# (With `torch.meshgrid`, mind its `indexing` argument.)

# %%
def loss_grid(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    """Return the MSE of y ≈ w * X + b at every (w, b) pair of the grid.

    X, y: (n,) float tensors. w_values: (nw,), b_values: (nb,).
    Returns a (nw, nb) float tensor in X's dtype; result[i, j] is the MSE at
    w = w_values[i], b = b_values[j]. No Python loop over the grid.
    """
    raise NotImplementedError

# %% [markdown]
# ## 2. The path of gradient descent
# With the residual $r_k = w x_k + b - y_k$:
# $\frac{\partial L}{\partial w} = \frac{2}{n}\sum_k r_k x_k$ and
# $\frac{\partial L}{\partial b} = \frac{2}{n}\sum_k r_k$.
# One step moves both parameters from the *same* point:
# $w \leftarrow w - \eta\,\partial L/\partial w$, $b \leftarrow b - \eta\,\partial L/\partial b$.

# %%
def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    """Run `steps` steps of gradient descent on the MSE from (w0, b0) with learning rate lr.

    X, y: (n,) float tensors. Returns a (steps + 1, 2) tensor in X's dtype: row 0 is
    (w0, b0) and row t is (w, b) after t steps. Gradients by hand (no autograd).
    """
    raise NotImplementedError

# %% [markdown]
# ## 3. Look at it (optional)
# Run this file (or this cell) to draw the landscape and the path. It needs matplotlib;
# without it, it prints a few numbers instead. The grader does not run it.

# %%
if __name__ == "__main__":
    torch.manual_seed(0)
    X = torch.randn(50)
    y = 2.0 * X + 1.0 + 0.5 * torch.randn(50)
    w_values = torch.linspace(-1.0, 5.0, 121)
    b_values = torch.linspace(-2.0, 4.0, 101)
    grid = loss_grid(X, y, w_values, b_values)
    path = gd_path(X, y, w0=-0.5, b0=3.5, lr=0.1, steps=30)
    i, j = divmod(int(grid.argmin()), grid.shape[1])
    print(f"grid minimum at w = {float(w_values[i]):.2f}, b = {float(b_values[j]):.2f}")
    print(f"gradient descent ends at w = {float(path[-1, 0]):.2f}, b = {float(path[-1, 1]):.2f}")
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
    else:
        # contour wants Z[row = y-axis, column = x-axis]: put b on the y-axis, w on the x-axis
        plt.contour(w_values, b_values, grid.T, levels=30)
        plt.plot(path[:, 0], path[:, 1], "o-", markersize=3, color="crimson")
        plt.xlabel("w")
        plt.ylabel("b")
        plt.title("MSE landscape and the gradient-descent path")
        plt.show()
