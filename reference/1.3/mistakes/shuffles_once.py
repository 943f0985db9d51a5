"""Shuffles once before the first epoch and reuses that order in every epoch."""


def minibatch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int, batch_size: int,
                 generator: torch.Generator) -> tuple[Tensor, list[float]]:
    w = w0.clone()
    history: list[float] = []
    batches = minibatches(X.shape[0], batch_size, generator)
    for _ in range(epochs):
        for idx in batches:
            loss, grad = mse_and_grad(X[idx], y[idx], w)
            history.append(loss)
            w = w - lr * grad
    return w, history
