"""Updates each layer as soon as its gradient is known, then backpropagates through the new weights."""


def train(X: Tensor, y: Tensor, sizes: list[int], lr: float, epochs: int, batch_size: int,
          generator: torch.Generator) -> dict[str, Tensor]:
    params = init_params(sizes, generator)
    n_layers = len(sizes) - 1
    n = X.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            logits, cache = forward(params, X[idx])
            m = len(idx)
            dZ = softmax(logits)
            dZ[torch.arange(m), y[idx]] -= 1.0
            dZ = dZ / m
            for layer in range(n_layers, 0, -1):
                params[f"W{layer}"] = params[f"W{layer}"] - lr * (cache[f"A{layer - 1}"].T @ dZ)
                params[f"b{layer}"] = params[f"b{layer}"] - lr * dZ.sum(dim=0)
                if layer > 1:
                    dA = dZ @ params[f"W{layer}"].T  # the weights were already updated
                    dZ = dA * (cache[f"Z{layer - 1}"] > 0)
    return params
