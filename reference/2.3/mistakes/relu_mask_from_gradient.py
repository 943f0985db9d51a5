"""Applies ReLU to the incoming gradient (dA.clamp(min=0)) instead of masking it where Z > 0."""


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
        grads[f"W{layer}"] = A_prev.T @ dZ
        grads[f"b{layer}"] = dZ.sum(dim=0)
        if layer > 1:
            dA = dZ @ params[f"W{layer}"].T
            dZ = dA.clamp(min=0)
    return grads
