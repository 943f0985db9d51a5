"""Stops at the right epoch but leaves the last epoch's weights in the model."""


class EarlyStopping(EarlyStopping):
    def step(self, val_loss: float, model: nn.Module) -> bool:
        if val_loss < self.best - self.min_delta:
            self.best = val_loss
            self.bad_epochs = 0
            return False
        self.bad_epochs += 1
        return self.bad_epochs > self.patience
