"""The plateau window one epoch too long: L[-1] against L[-12], from 12 epochs on (11 epochs of change, not 10)."""

_diagnose = diagnose


def diagnose(history: dict[str, list[float]]) -> list[str]:
    found = [w for w in _diagnose(history) if w != "plateau"]
    train = history["train_loss"]
    if "nan" not in found and len(train) >= 12 and abs(train[-1] - train[-12]) < 0.01 * abs(train[-12]):
        found.insert(len([w for w in found if w in ("nan", "explosion")]), "plateau")
    return found
