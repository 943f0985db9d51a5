"""Records optimizer.defaults["lr"], the rate the optimizer was built with, at every step."""


class TrainingMonitor(TrainingMonitor):
    def before_step(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                    loss: Tensor) -> None:
        super().before_step(model, optimizer, loss)
        self.history["lr"][-1] = float(optimizer.defaults["lr"])
