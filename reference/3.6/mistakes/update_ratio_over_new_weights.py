"""Divides the step's size by the norm of the weights after the step instead of before it."""


class TrainingMonitor(TrainingMonitor):
    def after_step(self, model: nn.Module) -> None:
        update = sum(((p.detach() - b) ** 2).sum() for p, b in
                     zip(model.parameters(), self._before, strict=True))
        weight = sum((p.detach() ** 2).sum() for p in model.parameters())
        self.history["update_ratio"].append(math.sqrt(float(update)) / math.sqrt(float(weight)))
