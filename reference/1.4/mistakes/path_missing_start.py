"""Records (w, b) only after each step, so the start point is missing (steps rows)."""


def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    w = torch.tensor(w0, dtype=X.dtype)
    b = torch.tensor(b0, dtype=X.dtype)
    path = []
    for _ in range(steps):
        residual = w * X + b - y
        w, b = w - lr * 2.0 * (residual * X).mean(), b - lr * 2.0 * residual.mean()
        path.append(torch.stack([w, b]))
    return torch.stack(path) if path else torch.empty(0, 2, dtype=X.dtype)
