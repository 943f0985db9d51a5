"""Gives layer 2's backward the pre-activation z1 as its input instead of a1 = relu(z1)."""


def two_layer_grads(x: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor,
                    y: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    z1 = x @ W1.T + b1
    a1 = z1.clamp(min=0)
    y_pred = a1 @ W2.T + b2
    loss = ((y_pred - y) ** 2).mean()
    d_pred = mse_backward(y_pred, y)
    da1, dW2, db2 = linear_backward(z1, W2, b2, d_pred)
    dz1 = relu_backward(z1, da1)
    _, dW1, db1 = linear_backward(x, W1, b1, dz1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
