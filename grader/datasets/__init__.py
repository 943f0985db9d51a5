"""Datasets shipped with the grader, loaded by name: ``load_<name>(split) -> (X, y)``.

Specs refer to a dataset by name (``dist = "dataset"`` inputs, ``accuracy`` checks) and
``grader.inputs.load_dataset`` finds ``load_<name>`` here. Only the "train" split may
become a sandbox input; "test" is held out and used on the trusted side only.

Each loader parses its file once (cached) and returns fresh tensors on every call, so a
caller may modify what it gets without affecting later calls.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
SPLITS = ("train", "test")


def _check_split(name: str, split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"dataset {name!r} has no split {split!r} (known: {', '.join(SPLITS)})")


@cache
def _digits_table() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Parse digits.csv once: split -> (pixels as int64 (n, 64), labels int64 (n,))."""
    rows: dict[str, tuple[list[list[int]], list[int]]] = {s: ([], []) for s in SPLITS}
    with (HERE / "digits.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[:64] != [f"p{j}" for j in range(64)] or header[64:] != ["label", "split"]:
            raise ValueError("digits.csv: unexpected header")
        for row in reader:
            pixels, labels = rows[row[65]]
            pixels.append([int(v) for v in row[:64]])
            labels.append(int(row[64]))
    return {s: (torch.tensor(px, dtype=torch.int64).reshape(-1, 64),
                torch.tensor(lb, dtype=torch.int64)) for s, (px, lb) in rows.items()}


def load_digits(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 8x8 handwritten digits with the repository's fixed split.

    Returns ``(X, y)``: ``X`` float32 of shape (n, 64), the pixels (row-major) scaled from
    0..16 to [0, 1]; ``y`` int64 of shape (n,), the digit 0-9. "train" has 1,438 images
    and "test" 359, stratified by class (see ``scripts/export_digits.py``).
    """
    _check_split("digits", split)
    pixels, labels = _digits_table()[split]
    return pixels.to(torch.float32) / 16.0, labels.clone()


def load_xor(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The four points of XOR, the same in both splits (the task is to fit them all).

    Returns ``(X, y)``: ``X`` float32 of shape (4, 2) with entries 0 or 1, and ``y`` int64
    of shape (4,), 1 where exactly one coordinate is 1.
    """
    _check_split("xor", split)
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, torch.tensor([0, 1, 1, 0])
