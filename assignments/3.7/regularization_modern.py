# %% [markdown]
# # Lesson 3.7 — Modern regularization
#
# Three tools that fight overfitting in almost every modern training script: early
# stopping that keeps the best weights, label smoothing, and data augmentation (here:
# shifting handwritten digits by a pixel). Check your work with `grade 3.7` in this folder.
#
# Shapes: logits `(n, K)` float32, targets `(n,)` int64; digit images are rows of 64
# pixels, an 8x8 image row-major, values in [0, 1].

# %%
import copy

import torch
import torch.nn.functional as F  # noqa: F401 - for your code below
from torch import Tensor, nn

# %% [markdown]
# ## 1. Early stopping
# Call `step(val_loss, model)` once per epoch. An epoch *improves* when
# $\text{val\_loss} < \text{best} - \text{min\_delta}$ (the first epoch always does): then
# `best = val_loss`, the count of bad epochs goes back to 0 and you keep a **copy** of
# `model.state_dict()`. Otherwise the count goes up by one, and when it **exceeds**
# `patience` you load the best state back into `model` and return `True` (stop).
# So patience 0 stops at the first epoch without improvement.

# %%
class EarlyStopping:
    """Early stopping on a validation loss, restoring the best weights when it stops."""

    def __init__(self, patience: int, min_delta: float) -> None:
        """patience: bad epochs in a row tolerated; min_delta: the least improvement."""
        raise NotImplementedError

    def step(self, val_loss: float, model: nn.Module) -> bool:
        """Record this epoch's validation loss; return True to stop (after restoring the
        best weights into ``model``), False to go on."""
        raise NotImplementedError

# %% [markdown]
# ## 2. Label smoothing
# With $p = \mathrm{softmax}(z)$ and $K$ classes, the smoothed target is
# $q = (1 - \varepsilon)\,\mathrm{onehot}(y) + \varepsilon / K$ and the loss is the batch
# mean of $-\sum_k q_k \log p_k = (1-\varepsilon)(-\log p_y) + \varepsilon \cdot
# \frac{1}{K}\sum_k (-\log p_k)$. It must equal
# `F.cross_entropy(logits, target, label_smoothing=eps)`; write it yourself with
# `F.log_softmax` (`torch.log(torch.softmax(...))` gives `-inf` for logits far apart).

# %%
def label_smoothing_ce(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    """Mean label-smoothed cross-entropy of logits (n, K) against target (n,): a 0-dim
    tensor, differentiable with respect to logits."""
    raise NotImplementedError

# %% [markdown]
# ## 3. Shift augmentation
# Draw `shifts = torch.randint(-1, 2, (N, 2), generator=generator)` once. Image $i$
# (reshaped to 8x8) moves **down** by `shifts[i, 0]` rows and **right** by `shifts[i, 1]`
# columns: $\text{out}[r, c] = \text{in}[r - dy, c - dx]$, and 0 where that falls outside
# the image. Return the result as `(N, 64)` again; leave `images` unchanged.

# %%
def augment(images: Tensor, generator: torch.Generator) -> Tensor:
    """Shift every image (rows of images (N, 64)) by dy, dx in {-1, 0, 1}, zero fill;
    return a new (N, 64) tensor."""
    raise NotImplementedError

# %% [markdown]
# ## 4. Training with augmentation
# `optimizer = torch.optim.SGD(model.parameters(), lr=lr)`. Every epoch: `model.train()`,
# `order = torch.randperm(len(X), generator=generator)`, and for each consecutive batch
# `idx` of `batch_size` indices (the last may be smaller): zero the gradients,
# `F.cross_entropy(model(augment(X[idx], generator)), y[idx])`, backward, step. After the
# epoch append `accuracy(model, X_val, y_val)`. Augment training batches only, and draw
# nothing else from `generator`. (The grader scores your trained model on the digits'
# held-out test split itself.)

# %%
def accuracy(model: nn.Module, X: Tensor, y: Tensor) -> float:
    """The fraction of rows of X that ``model`` classifies as y (given: eval mode, no grad)."""
    model.eval()
    with torch.no_grad():
        return (model(X).argmax(dim=1) == y).float().mean().item()


def train_with_augmentation(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor,
                            y_val: Tensor, epochs: int, lr: float, batch_size: int,
                            generator: torch.Generator) -> list[float]:
    """Train ``model`` in place on shifted training batches; return the validation
    accuracy after every epoch (Python floats)."""
    raise NotImplementedError

# %% [markdown]
# ## Try it
# (Under `if __name__ == "__main__":`, so the grader skips it.)

# %%
if __name__ == "__main__":
    g = torch.Generator().manual_seed(0)
    digit = torch.zeros(1, 64)
    digit[0, 27] = 1.0  # one lit pixel at row 3, column 3
    print(augment(digit, g).reshape(8, 8))
    print(label_smoothing_ce(torch.randn(4, 5), torch.tensor([0, 1, 2, 3]), 0.1))
    stopper = EarlyStopping(patience=1, min_delta=0.01)
    net = nn.Linear(3, 2)
    print([stopper.step(v, net) for v in [1.0, 0.9, 0.895, 0.95]])
    best_copy = copy.deepcopy(net.state_dict())  # what "a copy" of the state means
