"""Lesson 3.8, written differently: windows by unfold, the loss scaled by multiplying,
clip_grad_norm_ without foreach, an atomic save through pathlib, and the step count kept in
the loop's own variable."""

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.optim.lr_scheduler import LambdaLR


class CharMLP(nn.Module):
    """The given model, unchanged."""

    def __init__(self, vocab_size: int, context: int, embed_dim: int = 16, hidden: int = 128,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.hidden = nn.Linear(context * embed_dim, hidden)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, vocab_size)

    def forward(self, idx: Tensor) -> Tensor:
        h = torch.tanh(self.hidden(self.embed(idx).flatten(1)))
        return self.out(self.dropout(h))


def warmup_cosine_factor(step: int, total: int, warmup: int, min_factor: float) -> float:
    """min(warmup ramp, cosine) written as one expression per branch."""
    warm = (step + 1) / warmup if warmup else 1.0
    if warm < 1.0 or step < warmup:
        return warm
    t = (step - warmup) / (total - warmup)
    return min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * t))


def get_batch(data: Tensor, batch_size: int, context: int,
              generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """All windows by unfold, then a random choice of them."""
    starts = torch.randint(0, data.numel() - context, (batch_size,), generator=generator)
    windows = data.unfold(0, context + 1, 1)[starts]
    return windows[:, :context].contiguous(), windows[:, context].contiguous()


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, scheduler: LambdaLR,
               micro_batches: list[tuple[Tensor, Tensor]], max_grad_norm: float,
               autocast: bool = True) -> tuple[float, float]:
    """Each micro-batch's loss times 1/k."""
    optimizer.zero_grad()
    weight = 1.0 / len(micro_batches)
    mean_loss = 0.0
    for x, y in micro_batches:
        with torch.autocast("cpu", torch.bfloat16, enabled=autocast):
            loss = F.cross_entropy(model(x).float(), y)
        (loss * weight).backward()
        mean_loss += weight * loss.detach().item()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm, foreach=False)
    optimizer.step()
    scheduler.step()
    return mean_loss, norm.item()


def save_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator, step: int) -> None:
    """Write beside the target, then rename."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    torch.save(dict(model=model.state_dict(), optimizer=optimizer.state_dict(),
                    scheduler=scheduler.state_dict(),
                    rng=dict(torch=torch.get_rng_state(), data=generator.get_state()),
                    step=step), partial)
    partial.replace(target)


def load_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator) -> int:
    """Weights only, said out loud."""
    ckpt = torch.load(Path(path), map_location="cpu", weights_only=True)
    for obj, key in ((model, "model"), (optimizer, "optimizer"), (scheduler, "scheduler")):
        obj.load_state_dict(ckpt[key])
    torch.random.set_rng_state(ckpt["rng"]["torch"])
    generator.set_state(ckpt["rng"]["data"])
    return int(ckpt["step"])


def train(data: Tensor, config: dict[str, float], seed: int, checkpoint_path: str | None = None,
          stop_after: int | None = None, resume: bool = False) -> CharMLP:
    """A for loop over the remaining steps."""
    c = {k: config[k] for k in config}
    torch.manual_seed(seed)
    model = CharMLP(int(c["vocab_size"]), int(c["context"]))
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=c["lr"], weight_decay=c["weight_decay"])
    total = int(c["steps"])
    scheduler = LambdaLR(optimizer, lambda s: warmup_cosine_factor(
        s, total, int(c["warmup_steps"]), c["min_lr_factor"]))
    done = 0
    if resume and checkpoint_path is not None and Path(checkpoint_path).exists():
        done = load_checkpoint(checkpoint_path, model, optimizer, scheduler, generator)
    for _ in range(done, total):
        if stop_after is not None and done == stop_after:
            break
        micro = [get_batch(data, int(c["batch_size"]), int(c["context"]), generator)
                 for _ in range(int(c["accum_steps"]))]
        train_step(model, optimizer, scheduler, micro, c["max_grad_norm"], c["autocast"] != 0)
        done += 1
        if checkpoint_path is not None and (done == total
                                            or done % int(c["checkpoint_every"]) == 0):
            save_checkpoint(checkpoint_path, model, optimizer, scheduler, generator, done)
    return model
