# %% [markdown]
# # Lesson 2.1 — From linear to nonlinear
#
# Write the three classic activation functions yourself, numerically safe for any input,
# then a multi-layer perceptron as an `nn.Module`, and train it on XOR, the four points no
# linear model can separate. Check your work with `grade 2.1` in this folder.
#
# Every function works elementwise on a tensor of any shape and returns a tensor of the
# same shape and dtype (float32 or float64).

# %%
import torch
import torch.nn.functional as F
from torch import Tensor, nn

# %% [markdown]
# ## 1. ReLU
# $\mathrm{ReLU}(x) = \max(x, 0)$.

# %%
def relu(x: Tensor) -> Tensor:
    """Return max(x, 0) elementwise, same shape and dtype as x."""
    raise NotImplementedError

# %% [markdown]
# ## 2. Sigmoid, stable for any x
# $\sigma(x) = \frac{1}{1 + e^{-x}}$. `exp` overflows to `inf` above about 88.7 in float32
# (709.8 in float64). Rewrite the formula so that `exp` only ever sees numbers $\le 0$:
# for $x \ge 0$ use $\frac{1}{1 + e^{-x}}$, for $x < 0$ use $\frac{e^{x}}{1 + e^{x}}$.
# The grader feeds $x = \pm 100, \pm 1000$ and also backpropagates through your sigmoid
# with autograd: no `exp` anywhere in it may overflow, not even in a branch that
# `torch.where` discards. Hint: compute $z = e^{-|x|}$ once.

# %%
def sigmoid(x: Tensor) -> Tensor:
    """Return 1 / (1 + exp(-x)) elementwise, same shape and dtype as x.

    Finite and accurate for every x (try x = -1000, -100, 100, 1000), with a finite
    autograd gradient everywhere. Write it with tensor operations (not torch.sigmoid).
    """
    raise NotImplementedError

# %% [markdown]
# ## 3. Tanh
# $\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}} = 2\sigma(2x) - 1$, which is $\pm 1$
# for large $|x|$, not NaN.

# %%
def tanh(x: Tensor) -> Tensor:
    """Return tanh(x) elementwise, same shape and dtype as x, finite for every x.

    Write it with tensor operations (not torch.tanh).
    """
    raise NotImplementedError

# %% [markdown]
# ## 4. A multi-layer perceptron
# `MLP([d, h_1, ..., k])` has one `nn.Linear` layer per consecutive pair of sizes, kept in
# an `nn.ModuleList` called `self.layers` and holding **only** the Linear layers, so that
# its state-dict keys are `layers.0.weight`, `layers.0.bias`, `layers.1.weight`, ...
# (`layers.i.weight` has nn.Linear's shape `(sizes[i + 1], sizes[i])`). `forward` applies
# each layer in turn with a ReLU after every layer **except the last**: the output is the
# last layer's raw scores.

# %%
class MLP(nn.Module):
    """Linear layers of the given sizes with ReLU between them (none after the last)."""

    def __init__(self, sizes: list[int]) -> None:
        """sizes = [d, h_1, ..., k]: len(sizes) - 1 nn.Linear layers in self.layers."""
        super().__init__()
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        """x of shape (n, sizes[0]) -> scores of shape (n, sizes[-1])."""
        raise NotImplementedError

# %% [markdown]
# ## 5. XOR
# Train an `MLP([2, h, 2])` (you choose `h`) to classify the four XOR points, with
# cross-entropy on its two scores, and return `model.state_dict()`. It must classify all
# four points from **any** random initialisation (the grader seeds `torch` differently
# every run): a recipe that works is `h = 16` and 300 full-batch steps of
# `torch.optim.Adam(model.parameters(), lr=0.05)`. Autograd and `torch.optim` are welcome
# here.

# %%
def train_xor(X: Tensor, y: Tensor) -> dict[str, Tensor]:
    """Train an MLP([2, h, 2]) on X (4, 2) float32, y (4,) int64 and return its state_dict.

    The grader loads the returned state_dict into its own MLP and scores the four points.
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    x = torch.tensor([-1000.0, -100.0, -1.0, 0.0, 1.0, 100.0, 1000.0])
    print("relu   ", relu(x))
    print("sigmoid", sigmoid(x), "vs", torch.sigmoid(x))
    print("tanh   ", tanh(x), "vs", torch.tanh(x))

    # The gradient through your sigmoid must stay finite too (autograd is fine here).
    leaf = x.clone().requires_grad_(True)
    sigmoid(leaf).sum().backward()
    print("d sigmoid / dx", leaf.grad)

    model = MLP([3, 5, 4, 2])
    print(list(model.state_dict()))  # layers.0.weight, layers.0.bias, ..., layers.2.bias
    print("parameters:", sum(p.numel() for p in model.parameters()))  # 20 + 24 + 10 = 54

    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([0, 1, 1, 0])
    state = train_xor(X, y)
    trained = MLP([2, state["layers.0.weight"].shape[0], 2])
    trained.load_state_dict(state)
    with torch.no_grad():
        print("XOR predictions:", trained(X).argmax(dim=1), "labels:", y)
    print("cross-entropy after training:", float(F.cross_entropy(trained(X), y)))
