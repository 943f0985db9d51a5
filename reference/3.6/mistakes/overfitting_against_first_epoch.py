"""Calls it overfitting when the last validation loss exceeds 1.1 times the *first* one."""

_diagnose = diagnose


def diagnose(history: dict[str, list[float]]) -> list[str]:
    found = [w for w in _diagnose(history) if w != "overfitting"]
    train, val = history["train_loss"], history["val_loss"]
    if "nan" not in found and val and val[-1] > 1.1 * val[0] and train[-1] < train[0]:
        found.append("overfitting")
    return found
