"""dw computed with the residual as a column, then squeeze()d: a 0-dim dw when d = 1."""


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    residual = (predict(X, w, b) - y)[:, None]  # (n, 1)
    n = X.shape[0]
    dw = (2.0 / n * (X.T @ residual)).squeeze()  # (d, 1) -> (d,), but () when d = 1
    db = 2.0 * residual.mean()
    return dw, db
