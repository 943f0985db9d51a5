"""Export scikit-learn's 8x8 handwritten digits once into datasets/digits/digits.csv.

Run by hand, never by the tests or the grader, in a throwaway environment (scikit-learn
is not a dependency of this project):

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn
    /tmp/skl/bin/python scripts/export_digits.py

The CSV has 1,797 rows and the columns ``p0 .. p63`` (pixel intensities, integers 0-16,
row-major), ``label`` (0-9) and ``split`` ("train" or "test"). The split is stratified
and seeded: in every class, a fixed 20% of the images (rounded) go to "test". Running the
script again writes the same file.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from sklearn.datasets import load_digits

SEED = 20240603
TEST_FRACTION = 0.2
OUT = Path(__file__).resolve().parent.parent / "datasets" / "digits" / "digits.csv"


def main() -> None:
    digits = load_digits()
    pixels = digits.data.astype(int)  # (1797, 64), values 0..16
    labels = digits.target.astype(int)  # (1797,)
    rng = random.Random(SEED)
    split = ["train"] * len(labels)
    for c in sorted(set(labels.tolist())):
        idx = [i for i, t in enumerate(labels.tolist()) if t == c]
        rng.shuffle(idx)
        for i in idx[:round(TEST_FRACTION * len(idx))]:
            split[i] = "test"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([f"p{j}" for j in range(64)] + ["label", "split"])
        for row, label, s in zip(pixels.tolist(), labels.tolist(), split, strict=True):
            w.writerow([*row, label, s])
    n_test = split.count("test")
    print(f"wrote {OUT} ({len(labels)} rows: {len(labels) - n_test} train, {n_test} test)")


if __name__ == "__main__":
    main()
