# %% [markdown]
# # Lesson 1.1 — What is a training loop
#
# Every model in this course is trained by the same four lines, repeated for each batch:
# clear the old gradients, compute the loss, backpropagate, take a step. Write that loop
# once, for any model, loss function and optimizer. Check your work with `grade 1.1` in
# this folder.
#
# One step of gradient descent with learning rate $\eta$ on a batch $B$:
# $$\theta \leftarrow \theta - \eta \, \nabla_\theta L_B(\theta),
# \qquad L_B(\theta) = \frac{1}{|B|} \sum_{i \in B} \ell\big(f_\theta(x_i), y_i\big).$$
# The optimizer holds $\eta$ (and, for Adam, its running averages); `loss.backward()`
# writes $\nabla_\theta L_B$ into each parameter's `.grad`, and *adds* to what is there.

# %%
from collections.abc import Callable

import torch
from torch import Tensor, nn

# %% [markdown]
# ## The loop
# For each epoch, for each batch `(xb, yb)` in order:
# 1. `optimizer.zero_grad()` — `.grad` accumulates, so clear it first;
# 2. `loss = loss_fn(model(xb), yb)` — the forward pass;
# 3. `loss.backward()` — $\nabla_\theta L_B$ into every `.grad`;
# 4. `optimizer.step()` — $\theta \leftarrow \theta - \eta \nabla_\theta L_B$ (or Adam's rule).
#
# Return the history: one entry per epoch, the **mean** of that epoch's batch losses,
# each a Python `float` (use `loss.item()`).

# %%
def train_loop(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
               optimizer: torch.optim.Optimizer, batches: list[tuple[Tensor, Tensor]],
               epochs: int) -> list[float]:
    """Train `model` in place for `epochs` passes over `batches`.

    `batches` is a list of (xb, yb) pairs: xb of shape (b, in_features), yb whatever
    `loss_fn(model(xb), yb)` expects. `optimizer` already holds `model`'s parameters.
    Return a list of `epochs` Python floats: entry e is the mean over the epoch's
    batches of the loss computed on each batch during epoch e (before that batch's step).
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    torch.manual_seed(0)
    X = torch.randn(64, 3)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    data = [(X[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16)]
    net = nn.Linear(3, 1)
    sgd = torch.optim.SGD(net.parameters(), lr=0.1)
    losses = train_loop(net, nn.MSELoss(), sgd, data, epochs=20)
    print("loss per epoch:", [round(v, 4) for v in losses])
    print("weight:", net.weight.data, "bias:", net.bias.data)
