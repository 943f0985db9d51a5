"""generator_kept_in_memory: the batch generator is a global that survives between calls, so resume never restores it."""
import math
import os

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.optim.lr_scheduler import LambdaLR


class CharMLP(nn.Module):
    """Predicts the next character from the ``context`` characters before it: embeddings,
    concatenated, a tanh hidden layer, dropout, and logits over the alphabet."""

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


def warmup_cosine_factor(step: int, total: int, warmup: int, min_factor: float) -> float:
    """The multiple of the base lr at ``step``: linear warmup to 1, then cosine to min_factor."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / (total - warmup)
    return min_factor + 0.5 * (1.0 - min_factor) * (1.0 + math.cos(math.pi * progress))


def get_batch(data: Tensor, batch_size: int, context: int,
              generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """``batch_size`` random windows of ``data``: (B, context) inputs and the (B,) next ids."""
    starts = torch.randint(0, len(data) - context, (batch_size,), generator=generator)
    windows = data[starts[:, None] + torch.arange(context + 1)]
    return windows[:, :-1], windows[:, -1]


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, scheduler: LambdaLR,
               micro_batches: list[tuple[Tensor, Tensor]], max_grad_norm: float,
               autocast: bool = True) -> tuple[float, float]:
    """One optimizer step over several micro-batches (gradient accumulation) under bfloat16
    autocast (unless ``autocast`` is false), with clipping; returns the mean loss and the
    gradient norm before clipping."""
    optimizer.zero_grad(set_to_none=True)
    k = len(micro_batches)
    total = 0.0
    for x, y in micro_batches:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            loss = F.cross_entropy(model(x), y)
        (loss / k).backward()  # the accumulated gradient is the mean over micro-batches
        total += loss.item()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    return total / k, norm.item()


def save_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator, step: int) -> None:
    """Everything a run needs to go on exactly: weights, optimizer and scheduler state, both
    RNG states and the number of steps done. Written to a temporary file, then renamed, so a
    crash while saving never leaves half a checkpoint."""
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "rng": {"torch": torch.get_rng_state(), "data": generator.get_state()},
        "step": step,
    }
    tmp = f"{path}.tmp"
    torch.save(checkpoint, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator) -> int:
    """Restore what ``save_checkpoint`` saved; returns the number of steps done."""
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    torch.set_rng_state(checkpoint["rng"]["torch"])
    # (the data generator is still the one in _DATA_RNG: nothing to restore)
    return int(checkpoint["step"])


_DATA_RNG: torch.Generator | None = None


def train(data: Tensor, config: dict[str, float], seed: int, checkpoint_path: str | None = None,
          stop_after: int | None = None, resume: bool = False) -> CharMLP:
    """The whole loop: AdamW, warmup + cosine, accumulation, autocast (``config["autocast"]``),
    clipping, and a
    checkpoint every ``checkpoint_every`` steps and after the last; ``resume`` goes on from
    the checkpoint, ``stop_after`` stops after that many steps (a crash)."""
    torch.manual_seed(seed)
    model = CharMLP(int(config["vocab_size"]), int(config["context"]))
    global _DATA_RNG
    if _DATA_RNG is None or not resume:
        _DATA_RNG = torch.Generator().manual_seed(seed)
    generator = _DATA_RNG
    optimizer = torch.optim.AdamW(model.parameters(), lr=config["lr"],
                                  weight_decay=config["weight_decay"])
    total, warmup = int(config["steps"]), int(config["warmup_steps"])
    scheduler = LambdaLR(optimizer, lambda s: warmup_cosine_factor(
        s, total, warmup, config["min_lr_factor"]))
    start = 0
    if resume and checkpoint_path is not None and os.path.exists(checkpoint_path):
        start = load_checkpoint(checkpoint_path, model, optimizer, scheduler, generator)
    model.train()
    for step in range(start, total):
        if stop_after is not None and step == stop_after:
            break
        micro = [get_batch(data, int(config["batch_size"]), int(config["context"]), generator)
                 for _ in range(int(config["accum_steps"]))]
        train_step(model, optimizer, scheduler, micro, config["max_grad_norm"],
                   bool(config["autocast"]))
        done = step + 1
        if checkpoint_path is not None and (done % int(config["checkpoint_every"]) == 0
                                            or done == total):
            save_checkpoint(checkpoint_path, model, optimizer, scheduler, generator, done)
    return model


def char_logits(params: dict[str, Tensor], X: Tensor) -> Tensor:
    """The trusted side's scorer: logits for the character after each X[t] from the
    ``context`` characters up to it (newlines, id 0, before the start), with CharMLP's
    weights in eval mode (no dropout)."""
    emb, w1, b1 = params["embed.weight"], params["hidden.weight"], params["hidden.bias"]
    context = w1.shape[1] // emb.shape[1]
    padded = torch.cat([torch.zeros(context - 1, dtype=X.dtype), X])
    windows = padded.unfold(0, context, 1)
    h = torch.tanh(emb[windows].flatten(1) @ w1.T + b1)
    return h @ params["out.weight"].T + params["out.bias"]
