"""Uses the forward difference (f(x + eps) - f(x)) / eps, whose error is O(eps)."""


def numerical_grad(f: Callable[[Tensor], Tensor], x: Tensor, eps: float = 1e-5) -> Tensor:
    x_work = x.detach().contiguous().clone()
    flat = x_work.view(-1)
    grad = torch.zeros_like(x_work)
    grad_flat = grad.view(-1)
    f_x = f(x_work).item()
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + eps
        f_plus = f(x_work).item()
        flat[i] = original
        grad_flat[i] = (f_plus - f_x) / eps
    return grad
