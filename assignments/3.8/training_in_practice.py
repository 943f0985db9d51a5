# %% [markdown]
# # Lesson 3.8 — The training loop in practice
#
# Everything from module 3 in one loop, the way real training scripts run: AdamW, warmup
# then cosine, gradient accumulation, bfloat16 autocast, gradient clipping, and a
# checkpoint that lets a crashed run go on *exactly* where it stopped. The model is a tiny
# character-level language model (given) and the data is the Book of Genesis. Check your
# work with `grade 3.8` in this folder.
#
# Text is a 1-d int64 tensor of character ids (`ALPHABET[i]` has id `i`); a batch is
# `x` of shape `(B, context)` (ids) and `y` of shape `(B,)` (the next character's id).

# %%
import math  # noqa: F401 - for your code below
import os  # noqa: F401 - for your code below

import torch
import torch.nn.functional as F  # noqa: F401 - for your code below
from torch import Tensor, nn
from torch.optim.lr_scheduler import LambdaLR

ALPHABET = "\n !'(),.:;?ABCDEFGHIJKLMNOPRSTUWYZabcdefghijklmnopqrstuvwxyz"


def load_text(path: str) -> Tensor:
    """The characters of a text file as ids (given)."""
    with open(path, encoding="utf-8") as f:
        return torch.tensor([ALPHABET.index(c) for c in f.read()], dtype=torch.int64)


class CharMLP(nn.Module):
    """Predicts the next character from the ``context`` characters before it (given):
    embeddings, concatenated, a tanh hidden layer, dropout, and logits over the alphabet."""

    def __init__(self, vocab_size: int, context: int, embed_dim: int = 16, hidden: int = 128,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.hidden = nn.Linear(context * embed_dim, hidden)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, vocab_size)

    def forward(self, idx: Tensor) -> Tensor:
        """(B, context) int64 character ids -> (B, vocab_size) logits."""
        h = torch.tanh(self.hidden(self.embed(idx).flatten(1)))
        return self.out(self.dropout(h))

# %% [markdown]
# ## 1. Warmup, then cosine (as a factor for `LambdaLR`)
# With $w$ = `warmup` and $T$ = `total`: $(s + 1) / w$ for $s < w$, then
# $f_{min} + \frac{1}{2}(1 - f_{min})\left(1 + \cos\left(\pi \frac{s - w}{T - w}\right)\right)$.
# `LambdaLR` multiplies the optimizer's lr by it at every step.

# %%
def warmup_cosine_factor(step: int, total: int, warmup: int, min_factor: float) -> float:
    """The multiple of the base lr at ``step`` (0-based) of ``total``: linear warmup to 1
    over ``warmup`` steps, then a cosine down towards ``min_factor``. A Python float."""
    raise NotImplementedError

# %% [markdown]
# ## 2. Random windows of the text
# `starts = torch.randint(0, len(data) - context, (batch_size,), generator=generator)`;
# `x[i]` is the `context` ids from `starts[i]` on, `y[i]` the id right after them.

# %%
def get_batch(data: Tensor, batch_size: int, context: int,
              generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """``batch_size`` random windows of ``data`` (1-d int64): x (batch_size, context) and
    y (batch_size,), both int64, drawn from ``generator`` only."""
    raise NotImplementedError

# %% [markdown]
# ## 3. One optimizer step: accumulation, autocast, clipping
# Zero the gradients; for each of the $k$ micro-batches, forward **and** loss under
# `torch.autocast("cpu", dtype=torch.bfloat16)` (only when `autocast` is true: pass
# `enabled=autocast`), then `(loss / k).backward()`; then `torch.nn.utils.clip_grad_norm_`,
# `optimizer.step()`, `scheduler.step()`.

# %%
def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, scheduler: LambdaLR,
               micro_batches: list[tuple[Tensor, Tensor]], max_grad_norm: float,
               autocast: bool = True) -> tuple[float, float]:
    """One optimizer step on the mean gradient of the micro-batches ``(x, y)``, their
    forward in bfloat16 autocast if ``autocast``. Returns (the mean of their cross-entropy
    losses, the gradient norm before clipping), both Python floats."""
    raise NotImplementedError

# %% [markdown]
# ## 4. Checkpoints
# Save `{"model": model.state_dict(), "optimizer": optimizer.state_dict(),
# "scheduler": scheduler.state_dict(), "rng": {"torch": torch.get_rng_state(),
# "data": generator.get_state()}, "step": step}` with `torch.save`, and load it with
# `torch.load(path, weights_only=True)`.

# %%
def save_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator, step: int) -> None:
    """Write everything a run needs to go on exactly to ``path``; ``step`` is the number of
    steps done."""
    raise NotImplementedError


def load_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator) -> int:
    """Restore the model, optimizer, scheduler and both RNGs from ``path`` (safely: tensors
    and plain data only); return the number of steps done."""
    raise NotImplementedError

# %% [markdown]
# ## 5. The whole loop
# `torch.manual_seed(seed)`, `model = CharMLP(vocab_size, context)`,
# `generator = torch.Generator().manual_seed(seed)`, AdamW, `LambdaLR` with your factor;
# if `resume` and the checkpoint exists, load it. Then for each remaining step: stop if
# `stop_after` steps are done, draw `accum_steps` batches, `train_step` (with
# `config["autocast"]`), and save a checkpoint every `checkpoint_every` steps and after the
# last one. See the README.

# %%
def train(data: Tensor, config: dict[str, float], seed: int, checkpoint_path: str | None = None,
          stop_after: int | None = None, resume: bool = False) -> CharMLP:
    """Train a CharMLP on ``data`` with the settings in ``config`` (keys: vocab_size,
    context, steps, warmup_steps, min_lr_factor, lr, weight_decay, batch_size, accum_steps,
    max_grad_norm, autocast, checkpoint_every); return the model."""
    raise NotImplementedError

# %% [markdown]
# ## Try it
# (Under `if __name__ == "__main__":`, so the grader skips it.) The training text is in
# `datasets/genesis/train.txt` of the course.

# %%
if __name__ == "__main__":
    text = load_text(os.path.join("..", "..", "datasets", "genesis", "train.txt"))
    settings = {"vocab_size": len(ALPHABET), "context": 8, "steps": 300, "warmup_steps": 30,
                "min_lr_factor": 0.1, "lr": 0.01, "weight_decay": 0.01, "batch_size": 32,
                "accum_steps": 2, "max_grad_norm": 0.5, "autocast": True, "checkpoint_every": 100}
    trained = train(text, settings, seed=0, checkpoint_path="checkpoint.pt")
    trained.eval()
    context = text[:8].clone()
    with torch.no_grad():
        for _ in range(200):  # sample a few lines of "Genesis"
            probs = F.softmax(trained(context[-8:][None]), dim=1)[0]
            context = torch.cat([context, torch.multinomial(probs, 1)])
    print("".join(ALPHABET[i] for i in context.tolist()))
