"""Perturbs the caller's x in place and never puts the entries back."""


def numerical_grad(f: Callable[[Tensor], Tensor], x: Tensor, eps: float = 1e-5) -> Tensor:
    flat = x.view(-1)
    grad = torch.zeros_like(x)
    grad_flat = grad.view(-1)
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + eps
        f_plus = f(x).item()
        flat[i] = original - eps
        f_minus = f(x).item()
        grad_flat[i] = (f_plus - f_minus) / (2 * eps)
    return grad
