# %% [markdown]
# # Lesson 2.2 — Forward and backward passes
#
# Backpropagation is the chain rule applied one layer at a time: every layer receives the
# gradient of the loss with respect to its output, `grad_out`, and hands back the gradient
# with respect to its input (and to its parameters). Write that backward step for a linear
# layer, ReLU, sigmoid and the mean squared error, then chain them through a two-layer
# network. No autograd: the grader compares your gradients with autograd's.
# Check your work with `grade 2.2` in this folder.
#
# Convention: `W` has shape `(out, in)`, as `nn.Linear` stores it, and a linear layer
# computes $y = x W^\top + b$ for a batch `x` of shape `(N, in)`.

# %%
import torch
from torch import Tensor

# %% [markdown]
# ## 1. A linear layer
# For $y = x W^\top + b$ and $G = \partial L / \partial y$ of shape `(N, out)`:
# $\frac{\partial L}{\partial x} = G W$ `(N, in)`,
# $\frac{\partial L}{\partial W} = G^\top x$ `(out, in)`,
# $\frac{\partial L}{\partial b} = \sum_{r} G_{r,:}$ `(out,)`.
# Every gradient has the shape of what it differentiates.

# %%
def linear_backward(x: Tensor, W: Tensor, b: Tensor,
                    grad_out: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Return (dx, dW, db) for y = x @ W.T + b, given grad_out = dL/dy.

    x (N, in), W (out, in), b (out,), grad_out (N, out) -> dx (N, in), dW (out, in),
    db (out,). N may be 1. No autograd.
    """
    raise NotImplementedError

# %% [markdown]
# ## 2. Activations
# ReLU: $\frac{\partial L}{\partial x} = G \odot \mathbb{1}[x > 0]$, the mask taken from
# the **input** $x$. Sigmoid: $\frac{\partial L}{\partial x} = G \odot \sigma(x)(1 - \sigma(x))$,
# evaluated at the input $x$ (you may use `torch.sigmoid` for $\sigma$).

# %%
def relu_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    """Return dL/dx for y = relu(x): grad_out where x > 0, else 0. Same shape as x."""
    raise NotImplementedError


def sigmoid_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    """Return dL/dx for y = sigmoid(x), same shape as x; finite for any x (try +-1000)."""
    raise NotImplementedError

# %% [markdown]
# ## 3. The loss
# $L = \frac{1}{N k} \sum_{r, j} (\hat y_{rj} - y_{rj})^2$, the mean over **all** entries
# as `F.mse_loss` computes it, so
# $\frac{\partial L}{\partial \hat y} = \frac{2}{N k}(\hat y - y)$.

# %%
def mse_backward(y_pred: Tensor, y: Tensor) -> Tensor:
    """Return dL/dy_pred for L = mean((y_pred - y) ** 2), same shape as y_pred (N, k)."""
    raise NotImplementedError

# %% [markdown]
# ## 4. Chained: a two-layer network
# Forward: $z_1 = x W_1^\top + b_1$, $a_1 = \mathrm{ReLU}(z_1)$,
# $\hat y = a_1 W_2^\top + b_2$, $L = \mathrm{MSE}(\hat y, y)$.
# Backward, in reverse order, each step feeding the next:
# `mse_backward` -> `linear_backward` (layer 2) -> `relu_backward` (at $z_1$) ->
# `linear_backward` (layer 1).

# %%
def two_layer_grads(x: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor,
                    y: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """Return (loss, grads): the MSE loss (a 0-dim tensor) and its gradients
    {"W1": ..., "b1": ..., "W2": ..., "b2": ...}, each of its parameter's shape.

    x (N, d), W1 (h, d), b1 (h,), W2 (k, h), b2 (k,), y (N, k). No autograd.
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    g = torch.Generator().manual_seed(0)
    x = torch.randn(5, 3, generator=g)
    W1, b1 = torch.randn(4, 3, generator=g), torch.randn(4, generator=g)
    W2, b2 = torch.randn(2, 4, generator=g), torch.randn(2, generator=g)
    y = torch.randn(5, 2, generator=g)
    loss, grads = two_layer_grads(x, W1, b1, W2, b2, y)

    # Your gradients against autograd's (autograd is fine here, in the demo).
    leaves = {name: t.clone().requires_grad_(True)
              for name, t in {"W1": W1, "b1": b1, "W2": W2, "b2": b2}.items()}
    z1 = x @ leaves["W1"].T + leaves["b1"]
    y_pred = torch.relu(z1) @ leaves["W2"].T + leaves["b2"]
    torch.nn.functional.mse_loss(y_pred, y).backward()
    print("loss:", float(loss))
    for name, leaf in leaves.items():
        print(name, "max |difference| =", float((leaf.grad - grads[name]).abs().max()))
