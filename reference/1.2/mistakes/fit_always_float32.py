"""Starts fit from zeros without a dtype (float32) and converts X, y to float32 to match: w
and b come back float32 when X is float64."""


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    w = torch.zeros(X.shape[1])
    b = torch.tensor(0.0)
    X, y = X.float(), y.float()
    losses: list[float] = []
    for _ in range(steps):
        losses.append(mse_loss(predict(X, w, b), y).item())
        dw, db = mse_grad(X, y, w, b)
        w, b = gd_step(w, b, dw, db, lr)
    return w, b, losses
