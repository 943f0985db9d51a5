"""Resumes from the checkpoint but starts the loop at step 0 again: load_checkpoint's
return value ignored, every step is taken again on top of the restored state."""


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
        load_checkpoint(checkpoint_path, model, optimizer, scheduler, generator)
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
