"""A plain startswith: "1" also catches "10.weight"."""


def _under(name: str, prefix: str) -> bool:
    return name.startswith(prefix)
