"""Updates w first and then computes b's gradient with the new w (a stale, mixed step)."""


def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    w = torch.tensor(w0, dtype=X.dtype)
    b = torch.tensor(b0, dtype=X.dtype)
    path = [torch.stack([w, b])]
    for _ in range(steps):
        w = w - lr * 2.0 * ((w * X + b - y) * X).mean()
        b = b - lr * 2.0 * (w * X + b - y).mean()
        path.append(torch.stack([w, b]))
    return torch.stack(path)
