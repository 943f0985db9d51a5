"""Perturbs a squeeze()d copy of x: the gradient loses x's dimensions of size 1."""


def numerical_grad(f: Callable[[Tensor], Tensor], x: Tensor, eps: float = 1e-5) -> Tensor:
    x_work = x.detach().clone().squeeze()  # "drop stray dimensions": (1,) becomes ()
    flat = x_work.view(-1)
    grad = torch.zeros_like(x_work)
    grad_flat = grad.view(-1)
    for i in range(flat.numel()):
        original = flat[i].item()
        flat[i] = original + eps
        f_plus = f(x_work).item()
        flat[i] = original - eps
        f_minus = f(x_work).item()
        flat[i] = original
        grad_flat[i] = (f_plus - f_minus) / (2 * eps)
    return grad
