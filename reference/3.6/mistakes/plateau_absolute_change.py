"""Judges the plateau on the absolute change |L[-1] - L[-11]| < 0.01, not the relative one."""

_diagnose = diagnose


def diagnose(history: dict[str, list[float]]) -> list[str]:
    found = [w for w in _diagnose(history) if w != "plateau"]
    train = history["train_loss"]
    if "nan" not in found and len(train) >= 11 and abs(train[-1] - train[-11]) < 0.01:
        found.insert(len([w for w in found if w in ("nan", "explosion")]), "plateau")
    return found
