"""Reference solution for lesson 3.7: early stopping, label smoothing, augmentation."""

import copy

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class EarlyStopping:
    """Stops when the validation loss has not improved by more than ``min_delta`` for more
    than ``patience`` epochs in a row, and then restores the best weights."""

    def __init__(self, patience: int, min_delta: float) -> None:
        self.patience = patience
        self.min_delta = min_delta
        self.best = float("inf")
        self.bad_epochs = 0
        self.best_state: dict[str, Tensor] | None = None

    def step(self, val_loss: float, model: nn.Module) -> bool:
        """Call once per epoch; True means stop (the best weights are back in ``model``)."""
        if val_loss < self.best - self.min_delta:
            self.best = val_loss
            self.bad_epochs = 0
            self.best_state = copy.deepcopy(model.state_dict())
            return False
        self.bad_epochs += 1
        if self.bad_epochs > self.patience:
            model.load_state_dict(self.best_state)
            return True
        return False


def label_smoothing_ce(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    """Mean label-smoothed cross-entropy of logits (n, K) against labels (n,)."""
    logp = F.log_softmax(logits, dim=1)
    nll = -logp.gather(1, target[:, None]).squeeze(1)
    uniform = -logp.mean(dim=1)
    return ((1 - eps) * nll + eps * uniform).mean()


def augment(images: Tensor, generator: torch.Generator) -> Tensor:
    """Shift each 8x8 image (rows of images (N, 64)) by dy, dx in {-1, 0, 1}, zero fill."""
    n = images.shape[0]
    shifts = torch.randint(-1, 2, (n, 2), generator=generator)
    padded = F.pad(images.reshape(n, 8, 8), (1, 1, 1, 1))  # zeros around each image
    grid = torch.arange(8)
    rows = grid[None, :] + 1 - shifts[:, 0:1]  # out[r] = in[r - dy]: row r of the padded
    cols = grid[None, :] + 1 - shifts[:, 1:2]  # image r + 1 - dy
    out = padded[torch.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return out.reshape(n, 64)


def accuracy(model: nn.Module, X: Tensor, y: Tensor) -> float:
    """The fraction of rows of X that ``model`` classifies as y, in eval mode."""
    model.eval()
    with torch.no_grad():
        return (model(X).argmax(dim=1) == y).float().mean().item()


def train_with_augmentation(model: nn.Module, X: Tensor, y: Tensor, X_val: Tensor,
                            y_val: Tensor, epochs: int, lr: float, batch_size: int,
                            generator: torch.Generator) -> list[float]:
    """Train ``model`` in place with SGD on shifted training batches; return the
    validation accuracy (on unshifted images) after every epoch."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    accuracies: list[float] = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(augment(X[idx], generator)), y[idx])
            loss.backward()
            optimizer.step()
        accuracies.append(accuracy(model, X_val, y_val))
    return accuracies


def digits_logits(params: dict[str, Tensor], X: Tensor) -> Tensor:
    """The trusted side's scorer: logits of the two-layer network with these weights
    (nn.Sequential(Linear, ReLU, Linear)'s state_dict), without any augmentation."""
    hidden = torch.relu(X @ params["0.weight"].T + params["0.bias"])
    return hidden @ params["2.weight"].T + params["2.bias"]


def torch_label_smoothing_ce(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    """The oracle for label_smoothing_ce: torch's own label smoothing."""
    return F.cross_entropy(logits, target, label_smoothing=eps)
