"""Counts with the 0-based step index: saves after the steps with index 0, checkpoint_every,
2 * checkpoint_every, ... and the last, and records that index, one less than the steps done."""


def train(data: Tensor, config: dict[str, float], seed: int, checkpoint_path: str | None = None,
          stop_after: int | None = None, resume: bool = False) -> CharMLP:
    torch.manual_seed(seed)
    model = CharMLP(int(config["vocab_size"]), int(config["context"]))
    generator = torch.Generator().manual_seed(seed)
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
        if checkpoint_path is not None and (step % int(config["checkpoint_every"]) == 0
                                            or step == total - 1):
            save_checkpoint(checkpoint_path, model, optimizer, scheduler, generator, step)
    return model
