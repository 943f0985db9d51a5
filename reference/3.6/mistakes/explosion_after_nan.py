"""Judges explosion on every training loss, the non-finite ones included (inf > 10 L0)."""


def diagnose(history: dict[str, list[float]]) -> list[str]:
    """The diagnoses of a training history, from the fixed vocabulary, in this order:
    "nan", "explosion", "plateau", "overfitting"."""
    train, val = history["train_loss"], history["val_loss"]
    found: list[str] = []
    nan = not all(math.isfinite(v) for v in train + val)
    if nan:
        found.append("nan")
    if len(train) >= 2 and max(train) > 10 * train[0]:
        found.append("explosion")
    if nan:
        return found
    if len(train) >= 11 and abs(train[-1] - train[-11]) < 0.01 * abs(train[-11]):
        found.append("plateau")
    if val:
        best = val.index(min(val))
        if val[-1] > 1.1 * val[best] and train[-1] < train[best]:
            found.append("overfitting")
    return found
