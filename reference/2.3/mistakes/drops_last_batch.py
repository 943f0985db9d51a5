"""Trains on full batches only: the last, shorter batch of every epoch is skipped."""


def train(X: Tensor, y: Tensor, sizes: list[int], lr: float, epochs: int, batch_size: int,
          generator: torch.Generator) -> dict[str, Tensor]:
    params = init_params(sizes, generator)
    n = X.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n - batch_size + 1, batch_size):
            idx = order[start:start + batch_size]
            _, cache = forward(params, X[idx])
            grads = backprop(params, cache, y[idx])
            params = sgd_update(params, grads, lr)
    return params
