"""Computes the weight gradient as dZ^T A_prev: the transpose of the right (fan_in, fan_out) shape."""


def backprop(params: dict[str, Tensor], cache: dict[str, Tensor],
             y: Tensor) -> dict[str, Tensor]:
    n_layers = len(params) // 2
    n = y.shape[0]
    dZ = softmax(cache[f"Z{n_layers}"])
    dZ[torch.arange(n), y] -= 1.0
    dZ = dZ / n
    grads: dict[str, Tensor] = {}
    for layer in range(n_layers, 0, -1):
        A_prev = cache[f"A{layer - 1}"]
        grads[f"W{layer}"] = dZ.T @ A_prev
        grads[f"b{layer}"] = dZ.sum(dim=0)
        if layer > 1:
            dA = dZ @ params[f"W{layer}"].T
            dZ = dA * (cache[f"Z{layer - 1}"] > 0)
    return grads
