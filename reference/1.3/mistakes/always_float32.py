"""Converts X, y and w0 to float32 "to be safe" in every descent (sgd runs through
minibatch_gd): right on float32 data, but w comes back float32 when X is float64."""


def batch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float,
             epochs: int) -> tuple[Tensor, list[float]]:
    X, y = X.float(), y.float()
    w = w0.clone().float()
    history: list[float] = []
    for _ in range(epochs):
        loss, grad = mse_and_grad(X, y, w)
        history.append(loss)
        w = w - lr * grad
    return w, history


def minibatch_gd(X: Tensor, y: Tensor, w0: Tensor, lr: float, epochs: int, batch_size: int,
                 generator: torch.Generator) -> tuple[Tensor, list[float]]:
    X, y = X.float(), y.float()
    w = w0.clone().float()
    history: list[float] = []
    for _ in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, generator):
            loss, grad = mse_and_grad(X[idx], y[idx], w)
            history.append(loss)
            w = w - lr * grad
    return w, history
