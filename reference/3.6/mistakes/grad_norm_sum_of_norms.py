"""Records the sum of the per-parameter gradient norms instead of the global norm."""


class TrainingMonitor(TrainingMonitor):
    def before_step(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                    loss: Tensor) -> None:
        super().before_step(model, optimizer, loss)
        self.history["grad_norm"][-1] = sum(p.grad.norm().item() for p in model.parameters()
                                            if p.grad is not None)
