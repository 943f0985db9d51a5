"""The plateau window one epoch short: L[-1] against L[-10], from 10 epochs on (9 epochs of change, not 10)."""

_diagnose = diagnose


def diagnose(history: dict[str, list[float]]) -> list[str]:
    found = [w for w in _diagnose(history) if w != "plateau"]
    train = history["train_loss"]
    if "nan" not in found and len(train) >= 10 and abs(train[-1] - train[-10]) < 0.01 * abs(train[-10]):
        found.insert(len([w for w in found if w in ("nan", "explosion")]), "plateau")
    return found
