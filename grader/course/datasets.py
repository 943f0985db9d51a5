"""The dataset registry: data shipped with the course, found by the name a spec gives.

Each dataset is a folder ``<course>/datasets/<name>/`` beside ``assignments/`` and
``reference/``: the data file, a README with its source and licence, and
``dataset.toml`` saying how to read it. Adding a dataset touches that folder only; a new
*kind* of data (a table today; text or stored tensors when a lesson needs them) is a
loader written once here.

Splits named in ``held_out`` are for the trusted side only: they can never be sandbox
inputs (the spec refuses it) and never go into a student release (``public_files``).
Loaders parse a file once (cached) and hand out fresh tensors on every call.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.errors import SpecError

if TYPE_CHECKING:
    from torch import Tensor

Splits = dict[str, tuple["Tensor", "Tensor"]]

MANIFEST = "dataset.toml"


class DatasetInfo(BaseModel):
    """``dataset.toml``: how to read one dataset."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["table"]
    file: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")  # a file in the dataset's folder
    features: int = Field(ge=1)  # the first ``features`` columns are the inputs
    label: str
    split: str
    scale: float = Field(default=1.0, gt=0)
    splits: list[str] = Field(min_length=1)
    held_out: list[str] = Field(default_factory=list)
    licence: str


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

    rows: dict[str, tuple[list[list[float]], list[int]]] = {s: ([], []) for s in info.splits}
    with (folder / info.file).open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        if len(header) < info.features + 2 or info.label not in header or \
                info.split not in header:
            raise SpecError(f"{folder / info.file}: expected {info.features} feature columns, "
                            f"{info.label!r} and {info.split!r}")
        li, si = header.index(info.label), header.index(info.split)
        for row in reader:
            if row[si] not in rows:
                raise SpecError(f"{folder / info.file}: unknown split {row[si]!r}")
            feats, labels = rows[row[si]]
            feats.append([float(v) for v in row[:info.features]])
            labels.append(int(row[li]))
    return {s: (torch.tensor(fx, dtype=torch.float64).reshape(-1, info.features)
                .div(info.scale).to(torch.float32), torch.tensor(lb, dtype=torch.int64))
            for s, (fx, lb) in rows.items()}


_LOADERS: dict[str, Callable[[Path, DatasetInfo], Splits]] = {
    "table": _table,
}


def public_files(root: Path, name: str) -> dict[str, bytes]:
    """The dataset's files without its held-out part, for a student release:
    file name -> content (the table's held-out rows removed)."""
    info = dataset_info(root, name)
    folder = datasets_dir(root) / name
    out: dict[str, bytes] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.name == info.file and info.held_out:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
            col = rows[0].index(info.split)
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(
                [rows[0]] + [r for r in rows[1:] if r[col] not in info.held_out])
            data = text.getvalue().encode("utf-8")
        out[path.name] = data
    return out
