"""Seeds derived from a run's seed and names: every input, probe and student gets its own,
so a run replays exactly and adding one does not shift the others. No torch here."""

from __future__ import annotations

import hashlib


def derive_seed(seed: int, *names: str) -> int:
    digest = hashlib.sha256(":".join([str(seed), *names]).encode()).digest()
    return int.from_bytes(digest[:8], "little") & ((1 << 62) - 1)
