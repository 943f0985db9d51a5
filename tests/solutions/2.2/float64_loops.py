"""A correct 2.2 solution: float64 inside, explicit Python loops over the batch for the
parameter gradients (outer products accumulated row by row), results cast back to float32."""

import torch
from torch import Tensor


def linear_backward(x: Tensor, W: Tensor, b: Tensor,
                    grad_out: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    x64, W64, g64 = x.double(), W.double(), grad_out.double()
    dW = torch.zeros_like(W64)
    db = torch.zeros_like(b, dtype=torch.float64)
    for r in range(x64.shape[0]):
        dW += torch.outer(g64[r], x64[r])
        db += g64[r]
    dx = g64 @ W64
    return dx.to(x.dtype), dW.to(W.dtype), db.to(b.dtype)


def relu_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    mask = (x > 0).to(grad_out.dtype)
    out = grad_out.clone()
    out.mul_(mask)
    return out


def sigmoid_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    s = torch.sigmoid(x.double())
    return (grad_out.double() * s * (1 - s)).to(x.dtype)


def mse_backward(y_pred: Tensor, y: Tensor) -> Tensor:
    count = 1
    for size in y_pred.shape:
        count *= size
    return ((y_pred.double() - y.double()) * 2 / count).to(y_pred.dtype)


def two_layer_grads(x: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor,
                    y: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    z1 = x @ W1.T + b1
    a1 = torch.relu(z1)
    y_pred = a1 @ W2.T + b2
    loss = torch.mean((y_pred.double() - y.double()) ** 2).to(torch.float32)
    d_pred = mse_backward(y_pred, y)
    da1, dW2, db2 = linear_backward(a1, W2, b2, d_pred)
    dz1 = relu_backward(z1, da1)
    _, dW1, db1 = linear_backward(x, W1, b1, dz1)
    grads: dict[str, Tensor] = {}
    grads["W1"], grads["b1"], grads["W2"], grads["b2"] = dW1, db1, dW2, db2
    return loss, grads
