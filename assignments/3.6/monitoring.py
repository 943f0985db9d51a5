# %% [markdown]
# # Lesson 3.6 — Monitoring and debugging
#
# A training run that goes wrong rarely crashes: the loss turns NaN, blows up, stalls or
# the validation loss turns up while the training loss keeps falling. In this lesson you
# record the vital signs of a run, name what went wrong from its loss curves, and repair a
# training loop with four planted bugs. Check your work with `grade 3.6` in this folder.
#
# Plot as much as you like: matplotlib is available (the grader never looks at figures).

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import Tensor, nn

# %% [markdown]
# ## 1. A training monitor
# The grader runs its own training loop and calls your monitor at every step:
#
# ```python
# optimizer.zero_grad()
# loss = loss_fn(model(xb), yb)
# loss.backward()
# monitor.before_step(model, optimizer, loss)
# optimizer.step()
# monitor.after_step(model)
# ```
#
# `monitor.history` is a dict of four lists of Python floats, one entry per step:
# - `"loss"`: `loss.item()`;
# - `"grad_norm"`: the global gradient norm $\sqrt{\sum_p \lVert g_p \rVert^2}$ over all
#   parameters together, before the step;
# - `"lr"`: the learning rate in use, `optimizer.param_groups[0]["lr"]`;
# - `"update_ratio"`: $\lVert \theta_{after} - \theta_{before} \rVert / \lVert \theta_{before}
#   \rVert$, with $\theta$ all parameters together (measure the step; don't estimate it).

# %%
class TrainingMonitor:
    """Records loss, global grad norm, lr and update/weight ratio per optimizer step.

    ``self.history`` is {"loss": [...], "grad_norm": [...], "lr": [...],
    "update_ratio": [...]}, lists of Python floats, one entry per step.
    """

    def __init__(self) -> None:
        """Start with an empty history (all four lists empty)."""
        raise NotImplementedError

    def before_step(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                    loss: Tensor) -> None:
        """Called after loss.backward(), before optimizer.step(): record the loss, the
        global gradient norm and the lr, and keep a copy of the parameters."""
        raise NotImplementedError

    def after_step(self, model: nn.Module) -> None:
        """Called after optimizer.step(): record the update/weight ratio."""
        raise NotImplementedError

# %% [markdown]
# ## 2. Diagnose a run from its loss curves
# `history = {"train_loss": [...], "val_loss": [...]}`, one value per epoch, both of the
# same length $T$ (possibly 0). Return the words that apply, in this order, from exactly
# this vocabulary (`[]` for a healthy run):
# 1. `"nan"`: some training or validation loss is not finite (NaN, inf or -inf).
# 2. `"explosion"`: among the training losses before the first non-finite one (at least
#    two of them), some value exceeds 10 times the first.
# 3. `"plateau"`: (only without `"nan"`) $T \ge 11$ and
#    $|L_{T-1} - L_{T-11}| < 0.01\,|L_{T-11}|$ for the training losses $L$ (relative change
#    below 1% over the last 10 epochs).
# 4. `"overfitting"`: (only without `"nan"`) with $b$ the first epoch of the lowest
#    validation loss $V$: $V_{T-1} > 1.1\,V_b$ and $L_{T-1} < L_b$.

# %%
def diagnose(history: dict[str, list[float]]) -> list[str]:
    """Return the diagnoses of a run: a sublist of ["nan", "explosion", "plateau",
    "overfitting"], in this order, by the definitions above."""
    raise NotImplementedError

# %% [markdown]
# ## 3. Fix the broken loop
# `train` below should train `model` with SGD (momentum 0.9): every epoch, switch to train
# mode, take `order = torch.randperm(len(X), generator=generator)` and walk it in
# consecutive batches of `batch_size` (the last one may be smaller): zero the gradients,
# forward, `F.cross_entropy`, backward, step. After each epoch record the mean of that
# epoch's batch losses and the validation loss, computed in eval mode under
# `torch.no_grad()`. It returns `{"train_loss": [...], "val_loss": [...]}` (Python floats).
#
# It runs, but it has **four bugs**. Find and fix them (the grader compares your fixed
# loop's losses and final weights with a correct one's). Plot its curves and try `diagnose`.

# %%
def train(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor, y_val: Tensor,
          epochs: int, lr: float, batch_size: int,
          generator: torch.Generator) -> dict[str, list[float]]:
    """Train ``model`` in place; return {"train_loss": [...], "val_loss": [...]}, one
    Python float per epoch each. X (n, d) float32, y (n,) int64 class labels."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
    n = len(X)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        total, count = 0.0, 0
        for start in range(0, n - batch_size + 1, batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total += loss
            count += 1
        history["train_loss"].append(total / count)
        model.eval()
        with torch.no_grad():
            history["val_loss"].append(F.cross_entropy(model(X_val), y_val).item())
    return history

# %% [markdown]
# ## Try it
# A small run to plot. (Under `if __name__ == "__main__":`, so the grader skips it.)

# %%
if __name__ == "__main__":
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
    Xs, ys = torch.randn(200, 4), torch.randint(0, 3, (200,))
    hist = train(net, Xs[:150], ys[:150], Xs[150:], ys[150:], 20, 0.05, 16,
                 torch.Generator().manual_seed(0))
    plt.plot([float(v) for v in hist["train_loss"]], label="train")
    plt.plot(hist["val_loss"], label="validation")
    plt.legend()
    plt.show()
    print(diagnose(hist), "all finite:", all(math.isfinite(v) for v in hist["val_loss"]))
