"""Slices the mini-batch once per epoch, so every update of the epoch uses the first batch."""


def minibatch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int, batch_size: int,
                 generator: torch.Generator) -> tuple[Tensor, list[float]]:
    w = w0.clone()
    history: list[float] = []
    for _ in range(epochs):
        batches = minibatches(X.shape[0], batch_size, generator)
        X_b, y_b = X[batches[0]], y[batches[0]]
        for _ in batches:
            loss, grad = mse_and_grad(X_b, y_b, w)
            history.append(loss)
            w = w - lr * grad
    return w, history
