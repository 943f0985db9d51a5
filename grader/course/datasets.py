"""The dataset registry: data shipped with the course, found by the name a spec gives.

Each dataset is a folder ``<course>/datasets/<name>/`` beside ``assignments/`` and
``reference/``: the data file, a README with its source and licence, and
``dataset.toml`` saying how to read it. Adding a dataset touches that folder only; a new
*kind* of data is a loader written once here. Kinds: ``table`` (a CSV of feature columns,
a label and a split column) and ``text`` (one plain-text file per split, read as
character ids over a fixed alphabet).

Splits named in ``held_out`` are for the trusted side only: they can never be sandbox
inputs (the spec refuses it) and never go into a student release (``public_files``).
Loaders parse a file once (cached) and hand out fresh tensors on every call.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grader.errors import SpecError

if TYPE_CHECKING:
    from torch import Tensor

Splits = dict[str, tuple["Tensor", "Tensor"]]

MANIFEST = "dataset.toml"


class DatasetInfo(BaseModel):
    """``dataset.toml``: how to read one dataset."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["table", "text"]
    # table: a CSV in the dataset's folder; the first ``features`` columns are the inputs
    file: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$")
    features: int | None = Field(default=None, ge=1)
    label: str | None = None
    split: str | None = None
    scale: float = Field(default=1.0, gt=0)
    # text: split -> its file; ``alphabet`` holds every character, the i-th has id i
    files: dict[str, str] = Field(default_factory=dict)
    alphabet: str | None = Field(default=None, min_length=2)
    splits: list[str] = Field(min_length=1)
    held_out: list[str] = Field(default_factory=list)
    licence: str

    @model_validator(mode="after")
    def _fields_of_kind(self) -> DatasetInfo:
        need = {"table": ("file", "features", "label", "split"), "text": ("alphabet",)}
        missing = [f for f in need[self.kind] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"kind {self.kind!r} needs {', '.join(missing)}")
        if self.kind == "text":
            if sorted(self.files) != sorted(self.splits):
                raise ValueError("a text dataset names one file per split in `files`")
            if any(not _FILE_NAME.fullmatch(f) for f in self.files.values()):
                raise ValueError("`files` are plain file names in the dataset's folder")
            if len(set(self.alphabet or "")) != len(self.alphabet or ""):
                raise ValueError("`alphabet` lists each character once")
        if not set(self.held_out) <= set(self.splits):
            raise ValueError("`held_out` names splits that are not in `splits`")
        return self

    def held_out_files(self) -> set[str]:
        """The files that hold only held-out data (never in a student release)."""
        return {self.files[s] for s in self.held_out if s in self.files}


_FILE_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def datasets_dir(root: Path) -> Path:
    return root / "datasets"


def dataset_names(root: Path) -> list[str]:
    """Datasets the course ships (folders with a ``dataset.toml``)."""
    return sorted(p.parent.name for p in datasets_dir(root).glob(f"*/{MANIFEST}"))


def dataset_info(root: Path, name: str) -> DatasetInfo:
    path = datasets_dir(root) / name / MANIFEST
    try:
        return DatasetInfo.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        known = ", ".join(dataset_names(root)) or "none"
        raise SpecError(f"no dataset {name!r} in {datasets_dir(root)} (known: {known})") from None
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as e:
        raise SpecError(f"{path}: {e}") from None


def load_dataset(root: Path, name: str, split: str) -> tuple[Tensor, Tensor]:
    """``(X, y)`` of ``split`` of the dataset ``name``: fresh tensors on every call."""
    info = dataset_info(root, name)
    if split not in info.splits:
        raise ValueError(f"dataset {name!r} has no split {split!r} (known: "
                         f"{', '.join(info.splits)})")
    folder = datasets_dir(root) / name
    X, y = _parsed(folder, info.model_dump_json())[split]
    return X.clone(), y.clone()


@cache
def _parsed(folder: Path, manifest: str) -> Splits:
    """The dataset in ``folder`` parsed once per manifest (cached for the process)."""
    info = DatasetInfo.model_validate_json(manifest)
    return _LOADERS[info.kind](folder, info)


def _table(folder: Path, info: DatasetInfo) -> Splits:
    """Parse a table once: split -> (features float32 / scale, labels int64)."""
    import torch  # noqa: PLC0415 - the registry itself is light

    assert info.file and info.features and info.label and info.split  # the kind's fields
    file, features, label, split = info.file, info.features, info.label, info.split
    rows: dict[str, tuple[list[list[float]], list[int]]] = {s: ([], []) for s in info.splits}
    with (folder / file).open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        if len(header) < features + 2 or label not in header or split not in header:
            raise SpecError(f"{folder / file}: expected {features} feature columns, "
                            f"{label!r} and {split!r}")
        li, si = header.index(label), header.index(split)
        for row in reader:
            if row[si] not in rows:
                raise SpecError(f"{folder / file}: unknown split {row[si]!r}")
            feats, labels = rows[row[si]]
            feats.append([float(v) for v in row[:features]])
            labels.append(int(row[li]))
    return {s: (torch.tensor(fx, dtype=torch.float64).reshape(-1, features)
                .div(info.scale).to(torch.float32), torch.tensor(lb, dtype=torch.int64))
            for s, (fx, lb) in rows.items()}


def _text(folder: Path, info: DatasetInfo) -> Splits:
    """Read each split's text as character ids (int64, the i-th character of the alphabet
    is i): ``X`` is every character but the last and ``y`` the one after each, so row t of
    ``(X, y)`` is "this character, then that one" (a language model predicts y[t] from
    X[: t + 1])."""
    import torch  # noqa: PLC0415 - the registry itself is light

    assert info.alphabet is not None
    ids = {c: i for i, c in enumerate(info.alphabet)}
    out: Splits = {}
    for split in info.splits:
        path = folder / info.files[split]
        text = path.read_text(encoding="utf-8")
        unknown = sorted(set(text) - set(ids))
        if unknown or len(text) < 2:
            raise SpecError(f"{path}: characters outside the alphabet: {unknown[:10]}"
                            if unknown else f"{path}: fewer than two characters")
        codes = torch.tensor([ids[c] for c in text], dtype=torch.int64)
        out[split] = (codes[:-1], codes[1:])
    return out


_LOADERS: dict[str, Callable[[Path, DatasetInfo], Splits]] = {
    "table": _table,
    "text": _text,
}


def public_files(root: Path, name: str) -> dict[str, bytes]:
    """The dataset's files without its held-out part, for a student release:
    file name -> content (the table's held-out rows removed, a held-out split's own file
    left out)."""
    info = dataset_info(root, name)
    folder = datasets_dir(root) / name
    out: dict[str, bytes] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name in info.held_out_files():
            continue
        data = path.read_bytes()
        if info.kind == "table" and path.name == info.file and info.held_out:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
            col = rows[0].index(str(info.split))
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(
                [rows[0]] + [r for r in rows[1:] if r[col] not in info.held_out])
            data = text.getvalue().encode("utf-8")
        out[path.name] = data
    return out
