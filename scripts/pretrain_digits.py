"""Pretrain lesson 3.9's digits network once on the digits 0-4 and store its weights.

Run by hand from the repository root, never by the tests or the grader:

    PYTHONPATH=$PWD .venv/bin/python scripts/pretrain_digits.py

It trains ``DigitsNet`` (the architecture given in ``assignments/3.9/fine_tuning.py``) on
the rows of the digits' *training* split labelled 0-4, on one thread from a fixed seed,
prints its accuracy on the test split's 0-4 rows, and writes the state_dict (parameters
and BatchNorm buffers) to ``datasets/digits_pretrained/digits_net_0_4.safetensors``:
tensors only, so loading it runs no code. Lesson 3.9 fine-tunes it on the digits 5-9.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from grader.course.datasets import load_dataset

ROOT = Path(__file__).resolve().parent.parent
STUB = ROOT / "assignments" / "3.9" / "fine_tuning.py"
OUT = ROOT / "datasets" / "digits_pretrained" / "digits_net_0_4.safetensors"
CLASSES = [0, 1, 2, 3, 4]
SEED = 20240903
EPOCHS = 40
BATCH_SIZE = 32
LR = 0.05


def _digits_net() -> type:
    """``DigitsNet`` from the lesson's stub (the one definition the students also get)."""
    spec = importlib.util.spec_from_file_location("fine_tuning_stub", STUB)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DigitsNet


def _subset(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    X, y = load_dataset(ROOT, "digits", split)
    keep = torch.isin(y, torch.tensor(CLASSES))
    return X[keep], y[keep]


def main() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    g = torch.Generator().manual_seed(SEED)
    X, y = _subset("train")
    model = _digits_net()(len(CLASSES))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9, weight_decay=1e-4)
    for _ in range(EPOCHS):
        model.train()
        order = torch.randperm(len(X), generator=g)
        for start in range(0, len(X) - BATCH_SIZE + 1, BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            F.cross_entropy(model(X[idx]), y[idx]).backward()
            optimizer.step()
    model.eval()
    X_test, y_test = _subset("test")
    with torch.no_grad():
        acc = float((model(X_test).argmax(dim=1) == y_test).float().mean())
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(OUT), metadata={
        "architecture": "DigitsNet (assignments/3.9/fine_tuning.py)",
        "classes": ",".join(map(str, CLASSES)),
        "trained_on": "digits train split, labels 0-4",
        "test_accuracy_0_4": f"{acc:.4f}",
    })
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(state)} tensors); "
          f"test accuracy on the digits 0-4: {acc:.4f}")


if __name__ == "__main__":
    main()
