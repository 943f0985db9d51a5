"""weight_gradient_averaged: dW = grad_out.T @ x / N."""
import torch
from torch import Tensor


def linear_backward(x: Tensor, W: Tensor, b: Tensor,
                    grad_out: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    N = x.shape[0]
    dx = grad_out @ W
    dW = grad_out.T @ x / N
    db = grad_out.sum(dim=0)
    return dx, dW, db


def relu_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    return grad_out * (x > 0).float()


def sigmoid_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return grad_out * s * (1 - s)


def mse_backward(y_pred: Tensor, y: Tensor) -> Tensor:
    return 2 * (y_pred - y) / y_pred.numel()


def two_layer_grads(x: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor,
                    y: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    z1 = x @ W1.T + b1
    a1 = torch.relu(z1)
    y_pred = a1 @ W2.T + b2
    loss = ((y_pred - y) ** 2).mean()
    g = mse_backward(y_pred, y)
    da1, dW2, db2 = linear_backward(a1, W2, b2, g)
    dz1 = relu_backward(z1, da1)
    _, dW1, db1 = linear_backward(x, W1, b1, dz1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
