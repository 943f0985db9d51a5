# %% [markdown]
# # Lesson 2.6 — Regularization and overfitting
#
# Write an L2 penalty on the weights (weight decay), inverted dropout, and a training loop
# that uses the penalty, then train a digits classifier with it.
# Check your work with `grade 2.6` in this folder.
#
# `model` is an `nn.Sequential` of `nn.Linear` layers with `nn.ReLU` between them; `X` is
# `(n, features)` float32 and `y` is `(n,)` int64 class labels.

# %%
import torch
import torch.nn.functional as F
from torch import Tensor, nn

# %% [markdown]
# ## 1. Weight decay as a penalty
# $\Omega(\theta) = \frac{\lambda}{2} \sum_W \lVert W \rVert^2$ over the **weight matrices
# only** (parameters with `p.dim() >= 2`), not the biases. Its gradient is $\lambda W$: the
# same as `torch.optim.SGD(weight_decay=lam)` on the weights.

# %%
def l2_penalty(model: nn.Module, lam: float) -> Tensor:
    """Return (lam / 2) * the sum of squares of every weight matrix of model, a 0-dim tensor.

    Biases (1-dim parameters) are not penalised. Keep it differentiable (no .item(), no
    .detach()), so that it can be added to the loss.
    """
    raise NotImplementedError

# %% [markdown]
# ## 2. Inverted dropout
# In training, keep each entry with probability $1 - p$ ($m_i \sim \mathrm{Bernoulli}(1-p)$,
# drawn from `generator`) and return $m_i x_i / (1 - p)$, whose expected value is $x_i$.
# In evaluation (`training=False`) return $x$ unchanged. $p = 0$ keeps everything; $p = 1$
# drops everything (zeros, not $0/0$ = NaN).

# %%
def dropout(x: Tensor, p: float, training: bool, generator: torch.Generator) -> Tensor:
    """Return inverted dropout of x (same shape and dtype) with drop probability p.

    training=True: each entry kept with probability 1 - p (mask from `generator` only, e.g.
    torch.rand(x.shape, generator=generator) < 1 - p), kept entries scaled by 1 / (1 - p),
    dropped ones exactly 0; zeros for p = 1. training=False: x itself.
    """
    raise NotImplementedError

# %% [markdown]
# ## 3. Training with weight decay
# Every epoch: `order = torch.randperm(n, generator=generator)`; for each consecutive slice
# of `batch_size` indices (the last may be smaller): the loss
# `F.cross_entropy(model(X[idx]), y[idx]) + l2_penalty(model, weight_decay)`, zero the
# gradients, backward, and $p \leftarrow p - \eta \, \nabla_p$ for every parameter.

# %%
def train(model: nn.Module, X: Tensor, y: Tensor, lr: float, weight_decay: float, epochs: int,
          batch_size: int, generator: torch.Generator) -> list[float]:
    """Train model in place by mini-batch SGD on cross-entropy + l2_penalty(model,
    weight_decay); return the loss of every step (penalty included) as Python floats.

    The update may be by hand (p -= lr * p.grad under torch.no_grad()) or with
    torch.optim.SGD(model.parameters(), lr=lr) — without SGD's own weight_decay.
    """
    raise NotImplementedError

# %%
if __name__ == "__main__":
    g = torch.Generator().manual_seed(0)

    # Dropout keeps about 1 - p of the entries and preserves the mean.
    x = torch.ones(100_000)
    y = dropout(x, 0.3, True, g)
    print("kept fraction:", float((y != 0).float().mean()), "(expected 0.7)",
          " mean:", float(y.mean()), "(expected 1.0)")
    print("eval mode is the identity:", torch.equal(dropout(x, 0.3, False, g), x))

    # Weight decay keeps the weights small: a network that can memorise 40 noisy points.
    X = torch.randn(40, 2, generator=g)
    labels = (X[:, 0] > 0).long() ^ (torch.rand(40, generator=g) < 0.2).long()  # 20% noise
    for wd in (0.0, 0.05):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 2))
        losses = train(net, X, labels, lr=0.2, weight_decay=wd, epochs=100, batch_size=10,
                       generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            data_loss = float(F.cross_entropy(net(X), labels))
            norm = float(net[0].weight.norm() + net[2].weight.norm())
        print(f"weight_decay={wd}: training loss {data_loss:.3f}, weight norm {norm:.2f}")
