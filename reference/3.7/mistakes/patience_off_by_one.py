"""Stops when the count of epochs without improvement reaches patience (>=), one epoch early."""


class EarlyStopping(EarlyStopping):
    def step(self, val_loss: float, model: nn.Module) -> bool:
        if val_loss < self.best - self.min_delta:
            self.best = val_loss
            self.bad_epochs = 0
            self.best_state = copy.deepcopy(model.state_dict())
            return False
        self.bad_epochs += 1
        if self.bad_epochs >= self.patience:
            model.load_state_dict(self.best_state)
            return True
        return False
