"""Starts from w = w0 (no copy) and updates w in place, in every descent (sgd runs through
minibatch_gd), so the caller's w0 changes too."""


def batch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float,
             epochs: int) -> tuple[Tensor, list[float]]:
    w = w0
    history: list[float] = []
    for _ in range(epochs):
        loss, grad = mse_and_grad(X, y, w)
        history.append(loss)
        w -= lr * grad
    return w, history


def minibatch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int, batch_size: int,
                 generator: torch.Generator) -> tuple[Tensor, list[float]]:
    w = w0
    history: list[float] = []
    for _ in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, generator):
            loss, grad = mse_and_grad(X[idx], y[idx], w)
            history.append(loss)
            w -= lr * grad
    return w, history
