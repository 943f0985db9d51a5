"""Reference solution for lesson 2.2: forward and backward passes (hidden from students)."""

import torch
import torch.nn.functional as F
from torch import Tensor


def linear_backward(x: Tensor, W: Tensor, b: Tensor,
                    grad_out: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Backward of y = x W^T + b: (dL/dx, dL/dW, dL/db) from dL/dy of shape (N, out)."""
    dx = grad_out @ W  # (N, out) @ (out, in) -> (N, in)
    dW = grad_out.T @ x  # (out, N) @ (N, in) -> (out, in), W's own shape
    db = grad_out.sum(dim=0)  # b is added to every row: its gradient sums over the batch
    return dx, dW, db


def relu_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    """dL/dx for y = relu(x): the gradient passes where the *input* x was positive."""
    return grad_out * (x > 0)


def sigmoid_backward(x: Tensor, grad_out: Tensor) -> Tensor:
    """dL/dx for y = sigmoid(x): sigma'(x) = sigma(x) (1 - sigma(x)), at the input x."""
    s = torch.sigmoid(x)
    return grad_out * s * (1 - s)


def mse_backward(y_pred: Tensor, y: Tensor) -> Tensor:
    """dL/dy_pred for L = mean((y_pred - y)^2) over all N * k entries."""
    return 2 * (y_pred - y) / y_pred.numel()


def two_layer_grads(x: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor,
                    y: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """Forward x -> linear -> relu -> linear -> MSE, then backward through the same chain."""
    z1 = x @ W1.T + b1
    a1 = z1.clamp(min=0)
    y_pred = a1 @ W2.T + b2
    loss = ((y_pred - y) ** 2).mean()

    d_pred = mse_backward(y_pred, y)
    da1, dW2, db2 = linear_backward(a1, W2, b2, d_pred)
    dz1 = relu_backward(z1, da1)
    _, dW1, db1 = linear_backward(x, W1, b1, dz1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# ---- oracles used by the grading spec (not part of the exercise) ----

def _leaves(*tensors: Tensor) -> list[Tensor]:
    return [t.detach().clone().requires_grad_(True) for t in tensors]


def linear_backward_autograd(x: Tensor, W: Tensor, b: Tensor,
                             grad_out: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """linear_backward by autograd through F.linear."""
    x, W, b = _leaves(x, W, b)
    dx, dW, db = torch.autograd.grad(F.linear(x, W, b), (x, W, b), grad_out)
    return dx, dW, db


def relu_backward_autograd(x: Tensor, grad_out: Tensor) -> Tensor:
    """relu_backward by autograd through torch.relu."""
    (x,) = _leaves(x)
    return torch.autograd.grad(torch.relu(x), x, grad_out)[0]


def sigmoid_backward_autograd(x: Tensor, grad_out: Tensor) -> Tensor:
    """sigmoid_backward by autograd through torch.sigmoid."""
    (x,) = _leaves(x)
    return torch.autograd.grad(torch.sigmoid(x), x, grad_out)[0]


def mse_backward_autograd(y_pred: Tensor, y: Tensor) -> Tensor:
    """mse_backward by autograd through F.mse_loss (mean over every entry)."""
    (y_pred,) = _leaves(y_pred)
    return torch.autograd.grad(F.mse_loss(y_pred, y), y_pred)[0]


def two_layer_grads_autograd(x: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor,
                             y: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """two_layer_grads by autograd through nn.functional."""
    W1, b1, W2, b2 = _leaves(W1, b1, W2, b2)
    loss = F.mse_loss(F.linear(torch.relu(F.linear(x, W1, b1)), W2, b2), y)
    dW1, db1, dW2, db2 = torch.autograd.grad(loss, (W1, b1, W2, b2))
    return loss.detach(), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
