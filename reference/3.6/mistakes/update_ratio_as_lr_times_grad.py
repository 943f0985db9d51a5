"""Estimates the update/weight ratio as lr * ||g|| / ||w|| instead of measuring the step."""


class TrainingMonitor(TrainingMonitor):
    def after_step(self, model: nn.Module) -> None:
        weight = math.sqrt(sum(float((b ** 2).sum()) for b in self._before))
        self.history["update_ratio"].append(
            self.history["lr"][-1] * self.history["grad_norm"][-1] / weight)
