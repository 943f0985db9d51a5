"""Loops over range(1, steps): the start is there but the last step is never taken."""


def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    w = torch.tensor(w0, dtype=X.dtype)
    b = torch.tensor(b0, dtype=X.dtype)
    path = [torch.stack([w, b])]
    for _ in range(1, steps):
        residual = w * X + b - y
        w, b = w - lr * 2.0 * (residual * X).mean(), b - lr * 2.0 * residual.mean()
        path.append(torch.stack([w, b]))
    return torch.stack(path)
