"""The path preallocated without a dtype: float32 whatever X's dtype."""


def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    path = torch.zeros(steps + 1, 2)  # float32
    w, b = torch.tensor(w0, dtype=X.dtype), torch.tensor(b0, dtype=X.dtype)
    path[0, 0], path[0, 1] = w, b
    for t in range(1, steps + 1):
        residual = w * X + b - y
        dw = 2.0 * (residual * X).mean()
        db = 2.0 * residual.mean()
        w, b = w - lr * dw, b - lr * db
        path[t, 0], path[t, 1] = w, b
    return path
