"""Computes the weight gradient as x^T grad_out: shape (in, out), the transpose of W's (out, in)."""


def linear_backward(x: Tensor, W: Tensor, b: Tensor,
                    grad_out: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    return grad_out @ W, x.T @ grad_out, grad_out.sum(dim=0)
