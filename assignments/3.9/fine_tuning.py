# %% [markdown]
# # Lesson 3.9 — Fine-tuning and transfer
#
# A network trained on one task has learned features that help with the next. Here you
# start from a digits classifier pretrained on the digits 0-4, keep its first block as it
# is (frozen), put a new head on it and fine-tune it on the digits 5-9: freezing by
# prefix, replacing the head, parameter groups with their own learning rates, and the
# BatchNorm trap. Check your work with `grade 3.9` in this folder.
#
# Digit images are rows of 64 pixels (an 8x8 image row-major, values in [0, 1]) float32;
# labels are int64.

# %%
import torch
import torch.nn.functional as F  # noqa: F401 - for your code below
from torch import Tensor, nn

# %% [markdown]
# ## The pretrained network (given)
# `DigitsNet` is the architecture of the pretrained model: two blocks (Linear without
# bias, BatchNorm, ReLU) and a linear head. Its parameters are named `block1.0.weight`,
# `block1.1.weight`, `block1.1.bias`, `block2.0.weight`, `block2.1.weight`,
# `block2.1.bias`, `head.weight`, `head.bias`; each BatchNorm also has the buffers
# `running_mean`, `running_var` and `num_batches_tracked`. Don't change it: the grader
# loads the pretrained weights into it.

# %%
class DigitsNet(nn.Module):
    """64 pixels -> 32 -> 32 -> num_classes logits, BatchNorm after each hidden Linear."""

    def __init__(self, num_classes: int = 5) -> None:
        super().__init__()
        self.block1 = nn.Sequential(nn.Linear(64, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU())
        self.block2 = nn.Sequential(nn.Linear(32, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU())
        self.head = nn.Linear(32, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.block2(self.block1(x)))

# %% [markdown]
# ## 1. Freezing by prefix
# A parameter is *under* a prefix when its name equals the prefix or starts with the
# prefix followed by a dot: `"block1"` covers `block1.0.weight` and `block1.1.bias` (but
# would not cover a `block10.weight`); the empty prefix `""` covers every parameter.
# Freeze them with `requires_grad_(False)` and return their names in the order of
# `model.named_parameters()` (all of them, also any that were frozen before).

# %%
def freeze(model: nn.Module, prefix: str) -> list[str]:
    """Set requires_grad to False on every parameter under ``prefix``; return their names."""
    raise NotImplementedError

# %% [markdown]
# ## 2. A new head
# Replace `model.head` by a **new** `nn.Linear(in_features, num_classes)` (with
# `in_features = model.head.in_features`): its weight is
# `torch.randn(num_classes, in_features, generator=generator) * 0.01` (draw nothing else
# from `generator`) and its bias zeros. A new layer is trainable, whatever was frozen
# before. Return the new head.

# %%
def replace_head(model: nn.Module, num_classes: int, generator: torch.Generator) -> nn.Linear:
    """Put a new, trainable nn.Linear head for ``num_classes`` classes on ``model``."""
    raise NotImplementedError

# %% [markdown]
# ## 3. Parameter groups
# Return exactly two groups for an optimizer, in this order:
# `{"params": [...], "lr": backbone_lr}` with the **trainable** (`requires_grad`)
# parameters outside the head, and `{"params": [...], "lr": head_lr}` with the trainable
# parameters of the head (`head.weight`, `head.bias`), each list in the order of
# `model.named_parameters()`. Frozen parameters go in no group; a group may be empty.

# %%
def param_groups(model: nn.Module, backbone_lr: float, head_lr: float) -> list[dict]:
    """Two optimizer parameter groups: the trainable backbone, then the head."""
    raise NotImplementedError

# %% [markdown]
# ## 4. Training mode, BatchNorm included
# `model.train()` switches every layer to training mode. A BatchNorm layer in training
# mode normalises with the batch's statistics and *updates its running statistics*
# (they are buffers, not parameters: `requires_grad` does not protect them). Call
# `model.train()`, then put every BatchNorm layer whose parameters are all frozen back
# into eval mode (`isinstance(m, nn.modules.batchnorm._BatchNorm)` finds them all).

# %%
def train_mode(model: nn.Module) -> None:
    """model.train(), except that frozen BatchNorm layers stay in eval mode."""
    raise NotImplementedError

# %% [markdown]
# ## 5. Fine-tuning
# `model` comes prepared (frozen where it should be, with its new head). Build
# `torch.optim.SGD(param_groups(model, backbone_lr, head_lr), lr=head_lr,
# momentum=momentum, weight_decay=weight_decay)`. Every epoch: `train_mode(model)`,
# `order = torch.randperm(len(X), generator=generator)`, and for each **full** batch
# `idx = order[start:start + batch_size]` (`start = 0, batch_size, ...` while
# `start + batch_size <= len(X)`; a smaller last batch is dropped: BatchNorm needs more
# than one row): zero the gradients, `F.cross_entropy(model(X[idx]), y[idx])`, backward,
# step. Return the mean of the epoch's batch losses for every epoch (Python floats).

# %%
def fine_tune(model: nn.Module, X: Tensor, y: Tensor, epochs: int, batch_size: int,
              backbone_lr: float, head_lr: float, momentum: float, weight_decay: float,
              generator: torch.Generator) -> list[float]:
    """Fine-tune the prepared ``model`` in place on (X (n, 64), y (n,)); return the mean
    batch loss of every epoch."""
    raise NotImplementedError

# %% [markdown]
# ## Try it
# (Under `if __name__ == "__main__":`, so the grader skips it.) The pretrained weights are
# in `datasets/digits_pretrained/` of the course; load them safely, as tensors only.

# %%
if __name__ == "__main__":
    from pathlib import Path

    net = DigitsNet(5)
    weights = Path("../../datasets/digits_pretrained/digits_net_0_4.safetensors")
    if weights.exists():
        from safetensors.torch import load_file  # tensors only: no code runs on loading

        net.load_state_dict(load_file(str(weights)))
    g = torch.Generator().manual_seed(0)
    print("frozen:", freeze(net, "block1"))
    replace_head(net, 5, g)
    print("groups:", [len(group["params"]) for group in param_groups(net, 0.01, 0.1)])
    X_demo, y_demo = torch.rand(64, 64), torch.randint(0, 5, (64,))
    before = net.block1[1].running_mean.clone()
    print("losses:", fine_tune(net, X_demo, y_demo, 3, 16, 0.01, 0.1, 0.9, 1e-4, g))
    print("frozen BatchNorm statistics unchanged:",
          torch.equal(before, net.block1[1].running_mean))
