"""Lesson 3.8, written differently: a Python loop of windows, gradients divided by k after
backward, clipping by hand, an if/else schedule and a while loop."""

import contextlib
import math
import os

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
    """Warmup, then cosine."""
    if warmup > 0 and step <= warmup - 1:
        return float(step + 1) / float(warmup)
    angle = math.pi * (step - warmup) / (total - warmup)
    return (1.0 - min_factor) * (math.cos(angle) + 1.0) / 2.0 + min_factor


def get_batch(data: Tensor, batch_size: int, context: int,
              generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """Random windows, one at a time."""
    starts = torch.randint(0, len(data) - context, (batch_size,), generator=generator)
    xs = [data[int(s):int(s) + context] for s in starts]
    ys = [data[int(s) + context] for s in starts]
    return torch.stack(xs), torch.stack(ys)


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, scheduler: LambdaLR,
               micro_batches: list[tuple[Tensor, Tensor]], max_grad_norm: float,
               autocast: bool = True) -> tuple[float, float]:
    """Accumulate the gradients, divide them by k, clip by hand."""
    for p in model.parameters():
        p.grad = None
    losses = []
    for x, y in micro_batches:
        precision = (torch.autocast(device_type="cpu", dtype=torch.bfloat16) if autocast
                     else contextlib.nullcontext())
        with precision:
            logits = model(x)
            loss = F.cross_entropy(logits, y)
        loss.backward()
        losses.append(float(loss))
    params = [p for p in model.parameters() if p.grad is not None]
    for p in params:
        p.grad.div_(len(micro_batches))
    norm = torch.sqrt(sum((p.grad.detach() ** 2).sum() for p in params))
    scale = max_grad_norm / (norm + 1e-6)
    if scale < 1:
        for p in params:
            p.grad.mul_(scale)
    optimizer.step()
    scheduler.step()
    return sum(losses) / len(losses), float(norm)


def save_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator, step: int) -> None:
    """Straight to the file."""
    state = {}
    state["step"] = step
    state["rng"] = {"data": generator.get_state(), "torch": torch.get_rng_state()}
    state["scheduler"] = scheduler.state_dict()
    state["optimizer"] = optimizer.state_dict()
    state["model"] = model.state_dict()
    torch.save(state, path)


def load_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator) -> int:
    """torch.load's default is weights_only=True."""
    state = torch.load(path, map_location="cpu")
    generator.set_state(state["rng"]["data"])
    torch.set_rng_state(state["rng"]["torch"])
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    return state["step"]


def train(data: Tensor, config: dict[str, float], seed: int, checkpoint_path: str | None = None,
          stop_after: int | None = None, resume: bool = False) -> CharMLP:
    """A while loop."""
    torch.manual_seed(seed)
    model = CharMLP(int(config["vocab_size"]), int(config["context"]))
    generator = torch.Generator()
    generator.manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config["lr"],
                                  weight_decay=config["weight_decay"])
    steps = int(config["steps"])

    def factor(s: int) -> float:
        return warmup_cosine_factor(s, steps, int(config["warmup_steps"]),
                                    config["min_lr_factor"])

    scheduler = LambdaLR(optimizer, factor)
    step = 0
    if resume and checkpoint_path and os.path.isfile(checkpoint_path):
        step = load_checkpoint(checkpoint_path, model, optimizer, scheduler, generator)
    while step < steps:
        if stop_after is not None and step >= stop_after:
            return model
        batches = []
        for _ in range(int(config["accum_steps"])):
            batches.append(get_batch(data, int(config["batch_size"]), int(config["context"]),
                                     generator))
        train_step(model, optimizer, scheduler, batches, config["max_grad_norm"],
                   autocast=bool(config["autocast"]))
        step += 1
        if checkpoint_path and (step % int(config["checkpoint_every"]) == 0 or step == steps):
            save_checkpoint(checkpoint_path, model, optimizer, scheduler, generator, step)
    return model
