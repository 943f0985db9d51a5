"""Tests for NaN with math.isnan, so a loss of inf is neither "nan" nor the end of the finite part."""


def diagnose(history: dict[str, list[float]]) -> list[str]:
    train, val = history["train_loss"], history["val_loss"]
    found: list[str] = []
    nan = any(math.isnan(v) for v in train + val)
    if nan:
        found.append("nan")
    finite: list[float] = []
    for v in train:
        if math.isnan(v):
            break
        finite.append(v)
    if len(finite) >= 2 and max(finite) > 10 * finite[0]:
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
