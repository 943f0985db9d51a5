# %% [markdown]
# # Lesson 2.3 — A neural network from scratch
#
# Build a multi-layer perceptron with nothing but tensors: initialise its parameters,
# run it forward, backpropagate the cross-entropy loss by hand, update with SGD, and
# train it on real handwritten digits. No autograd anywhere.
# Check your work with `grade 2.3` in this folder.
#
# Shapes: `X` is `(n, d)` float32, `y` is `(n,)` int64 class labels in `0..k-1`.
# A network with `sizes = [d, h_1, ..., k]` has parameters `W1, b1, ..., WL, bL` in a
# dict, with `W_l` of shape `(sizes[l-1], sizes[l])` and `b_l` of shape `(sizes[l],)`.

# %%
import math

import torch
from torch import Tensor

# %% [markdown]
# ## 1. Parameters
# He initialisation, layer by layer in order, from the given generator:
# $W_l = \mathcal N(0, 1) \cdot \sqrt{2 / \text{fan\_in}}$ drawn with
# `torch.randn(fan_in, fan_out, generator=generator)`, and $b_l = 0$.

# %%
def init_params(sizes: list[int], generator: torch.Generator) -> dict[str, Tensor]:
    """Return {"W1": ..., "b1": ..., ..., "WL": ..., "bL": ...}, all float32.

    For l = 1 .. L = len(sizes) - 1, in this order: W_l = torch.randn(sizes[l-1],
    sizes[l], generator=generator) * sqrt(2 / sizes[l-1]) and b_l = torch.zeros(sizes[l]).
    """
    raise NotImplementedError

# %% [markdown]
# ## 2. Softmax and cross-entropy, numerically stable
# $\mathrm{softmax}(z)_j = \frac{e^{z_j - m}}{\sum_i e^{z_i - m}}$ with $m = \max_i z_i$
# (the shift changes nothing mathematically, but keeps `exp` from overflowing), and
# $L = \frac{1}{n}\sum_{r} \big(\log \sum_j e^{z_{rj}} - z_{r y_r}\big)$.

# %%
def softmax(logits: Tensor) -> Tensor:
    """Return the row-wise softmax of logits (n, k): shape (n, k), each row sums to 1.

    Must stay finite for logits in the hundreds (shift by each row's max first).
    """
    raise NotImplementedError


def cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """Return the mean cross-entropy of logits (n, k) against labels y (n,), a 0-dim tensor.

    Must stay finite for logits in the hundreds (use the log-sum-exp form).
    """
    raise NotImplementedError

# %% [markdown]
# ## 3. Forward
# $A_0 = X$, $Z_l = A_{l-1} W_l + b_l$, $A_l = \mathrm{ReLU}(Z_l)$ for every layer but
# the last; the output is the logits $Z_L$ (no softmax in the forward pass).

# %%
def forward(params: dict[str, Tensor], X: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """Return (logits, cache): logits of shape (n, sizes[-1]) and whatever backprop needs
    (for example X and every Z_l and A_l) in the cache dict. No autograd.
    """
    raise NotImplementedError

# %% [markdown]
# ## 4. Backward, by hand (no autograd)
# Write $\delta_l = \partial L / \partial Z_l$. Start from the logits:
# $\delta_L = (\mathrm{softmax}(Z_L) - \mathrm{onehot}(y)) / n$. Then for $l = L, \dots, 1$:
# $\partial L/\partial W_l = A_{l-1}^\top \delta_l$,
# $\partial L/\partial b_l = \sum_{\text{rows}} \delta_l$, and, below the first layer,
# $\delta_{l-1} = (\delta_l W_l^\top) \odot [Z_{l-1} > 0]$.

# %%
def backprop(params: dict[str, Tensor], cache: dict[str, Tensor],
             y: Tensor) -> dict[str, Tensor]:
    """Return the gradients of the mean cross-entropy: a dict with the same keys and
    shapes as params. Work them out by hand: autograd is not allowed here.
    """
    raise NotImplementedError

# %% [markdown]
# ## 5. The update and the training loop
# $p \leftarrow p - \eta \, \partial L / \partial p$ for every parameter, using the
# gradients of one batch computed *before* any parameter changes.

# %%
def sgd_update(params: dict[str, Tensor], grads: dict[str, Tensor],
               lr: float) -> dict[str, Tensor]:
    """Return the parameters after one SGD step (a dict with the same keys).

    Updating the tensors in place and returning params is fine.
    """
    raise NotImplementedError


def train(X: Tensor, y: Tensor, sizes: list[int], lr: float, epochs: int, batch_size: int,
          generator: torch.Generator) -> dict[str, Tensor]:
    """Train a network of the given sizes by mini-batch SGD and return its parameters.

    params = init_params(sizes, generator); then every epoch:
    order = torch.randperm(len(X), generator=generator), and for each consecutive slice
    of batch_size indices of order (the last may be smaller): forward, backprop,
    sgd_update. No autograd.
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    g = torch.Generator().manual_seed(0)
    params = init_params([5, 7, 3], g)
    X = torch.randn(4, 5, generator=g)
    y = torch.tensor([0, 2, 1, 2])
    logits, cache = forward(params, X)
    # At initialisation the loss should be near log(k): every class about equally likely.
    print("loss at init:", float(cross_entropy(logits, y)), "vs log(3) =", math.log(3))

    # Your backprop against autograd (autograd is fine here, in the demo).
    grads = backprop(params, cache, y)
    leaves = {name: p.clone().requires_grad_(True) for name, p in params.items()}
    cross_entropy(forward(leaves, X)[0], y).backward()
    for name, p in leaves.items():
        print(name, "max |difference| =", float((p.grad - grads[name]).abs().max()))

    print("softmax of large logits:", softmax(torch.tensor([[1000.0, 0.0, -1000.0]])))

    # Two Gaussian blobs: a trained network should separate them almost perfectly.
    Xb = torch.cat([torch.randn(200, 2, generator=g) + 2, torch.randn(200, 2, generator=g) - 2])
    yb = torch.cat([torch.zeros(200, dtype=torch.int64), torch.ones(200, dtype=torch.int64)])
    trained = train(Xb, yb, [2, 16, 2], lr=0.1, epochs=5, batch_size=20, generator=g)
    accuracy = (forward(trained, Xb)[0].argmax(dim=1) == yb).float().mean()
    print("training accuracy on the blobs:", float(accuracy))
