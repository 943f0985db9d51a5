"""scheduler_before_optimizer: scheduler.step() is called before optimizer.step()."""
import math
import os

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.optim.lr_scheduler import LambdaLR

ALPHABET = "\n !'(),.:;?ABCDEFGHIJKLMNOPRSTUWYZabcdefghijklmnopqrstuvwxyz"


def load_text(path: str) -> Tensor:
    with open(path, encoding="utf-8") as f:
        return torch.tensor([ALPHABET.index(c) for c in f.read()], dtype=torch.int64)


class CharMLP(nn.Module):
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
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    t = (step - warmup) / (total - warmup)
    cosine = 0.5 * (1 + math.cos(math.pi * t))
    return min_factor + (1 - min_factor) * cosine


def get_batch(data: Tensor, batch_size: int, context: int,
              generator: torch.Generator) -> tuple[Tensor, Tensor]:
    starts = torch.randint(0, len(data) - context, (batch_size,), generator=generator)
    x = torch.stack([data[s:s + context] for s in starts.tolist()])
    y = torch.stack([data[s + context] for s in starts.tolist()])
    return x, y


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, scheduler: LambdaLR,
               micro_batches: list[tuple[Tensor, Tensor]], max_grad_norm: float,
               autocast: bool = True) -> tuple[float, float]:
    k = len(micro_batches)
    optimizer.zero_grad()
    losses = []
    for x, y in micro_batches:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            logits = model(x)
            loss = F.cross_entropy(logits, y)
        (loss / k).backward()
        losses.append(loss.item())
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    scheduler.step()
    optimizer.step()
    return sum(losses) / k, float(grad_norm)


def save_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator, step: int) -> None:
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "rng": {"torch": torch.get_rng_state(), "data": generator.get_state()},
        "step": step,
    }
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)


def load_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator) -> int:
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng"]["torch"])
    generator.set_state(state["rng"]["data"])
    return state["step"]


def train(data: Tensor, config: dict[str, float], seed: int, checkpoint_path: str | None = None,
          stop_after: int | None = None, resume: bool = False) -> CharMLP:
    steps = int(config["steps"])
    torch.manual_seed(seed)
    model = CharMLP(int(config["vocab_size"]), int(config["context"]))
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config["lr"],
                                  weight_decay=config["weight_decay"])

    def factor(s: int) -> float:
        return warmup_cosine_factor(s, steps, int(config["warmup_steps"]),
                                    config["min_lr_factor"])

    scheduler = LambdaLR(optimizer, factor)
    step = 0
    if resume and checkpoint_path and os.path.exists(checkpoint_path):
        step = load_checkpoint(checkpoint_path, model, optimizer, scheduler, generator)
    model.train()
    while step < steps:
        if stop_after is not None and step >= stop_after:
            return model
        batches = []
        for _ in range(int(config["accum_steps"])):
            batches.append(get_batch(data, int(config["batch_size"]), int(config["context"]),
                                     generator))
        train_step(model, optimizer, scheduler, batches, config["max_grad_norm"],
                   bool(config["autocast"]))
        step += 1
        if checkpoint_path and (step % int(config["checkpoint_every"]) == 0 or step == steps):
            save_checkpoint(checkpoint_path, model, optimizer, scheduler, generator, step)
    return model
