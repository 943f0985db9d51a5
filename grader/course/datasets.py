"""The dataset registry: data shipped with the course, found by the name a spec gives.

Each dataset is a folder ``<course>/datasets/<name>/`` beside ``assignments/`` and
``reference/``: the data file, a README with its source and licence, and
``dataset.toml`` saying how to read it. Adding a dataset touches that folder only; a new
*kind* of data is a loader written once here. The kinds:

- ``table``: a CSV of feature columns, a label and a split column (``load_dataset``:
  ``(X, y)`` of a split);
- ``tensors``: named tensors in a safetensors file, such as a pretrained model's
  state_dict (``load_tensors``: name -> tensor). Safetensors holds tensors only, so
  loading it never runs code.

Splits named in ``held_out`` are for the trusted side only: they can never be sandbox
inputs (the spec refuses it) and never go into a student release (``public_files``).
Loaders parse a file once (cached) and hand out fresh tensors on every call.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from grader.errors import SpecError

if TYPE_CHECKING:
    from torch import Tensor

Splits = dict[str, tuple["Tensor", "Tensor"]]

MANIFEST = "dataset.toml"


class TableInfo(BaseModel):
    """``dataset.toml`` of a table: how to read it."""

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


class TensorsInfo(BaseModel):
    """``dataset.toml`` of named tensors in a safetensors file (a pretrained model's
    weights): no splits, nothing held out; a spec's input takes one tensor by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["tensors"]
    file: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.safetensors$")
    licence: str
    max_bytes: int = Field(default=1 << 20, ge=1)  # the file is refused above this size

    @property
    def held_out(self) -> list[str]:
        return []


DatasetInfo = Annotated[TableInfo | TensorsInfo, Field(discriminator="kind")]
_INFO: TypeAdapter[TableInfo | TensorsInfo] = TypeAdapter(DatasetInfo)


def datasets_dir(root: Path) -> Path:
    return root / "datasets"


def dataset_names(root: Path) -> list[str]:
    """Datasets the course ships (folders with a ``dataset.toml``)."""
    return sorted(p.parent.name for p in datasets_dir(root).glob(f"*/{MANIFEST}"))


def dataset_info(root: Path, name: str) -> TableInfo | TensorsInfo:
    path = datasets_dir(root) / name / MANIFEST
    try:
        return _INFO.validate_python(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        known = ", ".join(dataset_names(root)) or "none"
        raise SpecError(f"no dataset {name!r} in {datasets_dir(root)} (known: {known})") from None
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as e:
        raise SpecError(f"{path}: {e}") from None


def load_dataset(root: Path, name: str, split: str) -> tuple[Tensor, Tensor]:
    """``(X, y)`` of ``split`` of the dataset ``name``: fresh tensors on every call."""
    info = dataset_info(root, name)
    if not isinstance(info, TableInfo):
        raise ValueError(f"dataset {name!r} is a {info.kind}, not a table with splits")
    if split not in info.splits:
        raise ValueError(f"dataset {name!r} has no split {split!r} (known: "
                         f"{', '.join(info.splits)})")
    folder = datasets_dir(root) / name
    X, y = _parsed(folder, info.model_dump_json())[split]
    return X.clone(), y.clone()


@cache
def _parsed(folder: Path, manifest: str) -> Splits:
    """The table in ``folder`` parsed once per manifest (cached for the process)."""
    return _table(folder, TableInfo.model_validate_json(manifest))


def load_tensors(root: Path, name: str) -> dict[str, Tensor]:
    """The named tensors of the ``tensors`` dataset ``name``, sorted by name: fresh copies
    on every call."""
    info = dataset_info(root, name)
    if not isinstance(info, TensorsInfo):
        raise ValueError(f"dataset {name!r} is a {info.kind}, not named tensors")
    stored = _stored_tensors(datasets_dir(root) / name, info.model_dump_json())
    return {k: v.clone() for k, v in stored.items()}


def tensor_names(root: Path, name: str) -> list[str]:
    """The names of a ``tensors`` dataset's tensors, sorted, read from the file's header
    (without torch: spec validation stays light)."""
    info = dataset_info(root, name)
    if not isinstance(info, TensorsInfo):
        raise ValueError(f"dataset {name!r} is a {info.kind}, not named tensors")
    path = datasets_dir(root) / name / info.file
    try:
        with path.open("rb") as f:
            size = int.from_bytes(f.read(8), "little")
            if size > info.max_bytes:
                raise ValueError(f"a header of {size} bytes")
            header = json.loads(f.read(size))
            if not isinstance(header, dict):
                raise ValueError("the header is not a JSON object")
    except (OSError, ValueError) as e:
        raise SpecError(f"{path}: not a readable safetensors file ({e})") from None
    return sorted(k for k in header if k != "__metadata__")


@cache
def _stored_tensors(folder: Path, manifest: str) -> dict[str, Tensor]:
    """A safetensors file read once per manifest (cached): tensors only, never code."""
    from safetensors.torch import load  # noqa: PLC0415 - the registry itself is light

    info = TensorsInfo.model_validate_json(manifest)
    path = folder / info.file
    size = path.stat().st_size
    if size > info.max_bytes:
        raise SpecError(f"{path}: {size} bytes, more than max_bytes = {info.max_bytes}")
    try:
        return dict(sorted(load(path.read_bytes()).items()))
    except Exception as e:  # noqa: BLE001 - a corrupt file is the course's problem, said so
        raise SpecError(f"{path}: not a readable safetensors file ({e})") from None


def _table(folder: Path, info: TableInfo) -> Splits:
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
        if isinstance(info, TableInfo) and path.name == info.file and info.held_out:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
            col = rows[0].index(info.split)
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(
                [rows[0]] + [r for r in rows[1:] if r[col] not in info.held_out])
            data = text.getvalue().encode("utf-8")
        out[path.name] = data
    return out
