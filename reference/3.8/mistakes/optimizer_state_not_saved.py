"""The checkpoint leaves out the optimizer's state (and so resuming cannot restore it)."""


def save_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator, step: int) -> None:
    checkpoint = {
        "model": model.state_dict(),
        "scheduler": scheduler.state_dict(),
        "rng": {"torch": torch.get_rng_state(), "data": generator.get_state()},
        "step": step,
    }
    torch.save(checkpoint, path)


def load_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: LambdaLR, generator: torch.Generator) -> int:
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    torch.set_rng_state(checkpoint["rng"]["torch"])
    generator.set_state(checkpoint["rng"]["data"])
    return int(checkpoint["step"])
