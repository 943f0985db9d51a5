"""Draw a lesson's inputs fresh from the run's seed (trusted side).

Every input gets its own generator derived from (seed, name), so a run is replayed
exactly with ``--seed`` and adding an input to a spec does not shift the others.
"""

from __future__ import annotations

from pathlib import Path

import torch

from grader.course.datasets import load_dataset
from grader.course.paths import course_root
from grader.course.seeds import derive_seed
from grader.course.spec import InputSpec, LessonSpec

__all__ = ["derive_seed", "draw_dims", "draw_inputs", "draw_one"]

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64,
          "bool": torch.bool}




def draw_dims(spec: LessonSpec, seed: int) -> dict[str, int]:
    dims: dict[str, int] = {}
    for name, (lo, hi) in spec.dims.items():
        g = torch.Generator().manual_seed(derive_seed(seed, "dim", name))
        dims[name] = int(torch.randint(lo, hi + 1, (1,), generator=g).item())
    return dims


def _size(d: int | str, dims: dict[str, int]) -> int:
    return dims[d] if isinstance(d, str) else d




def draw_one(name: str, s: InputSpec, seed: int, dims: dict[str, int],
             done: dict[str, torch.Tensor], root: Path) -> torch.Tensor:
    g = torch.Generator().manual_seed(derive_seed(seed, "input", name))
    shape = tuple(_size(d, dims) for d in s.shape)
    dtype = DTYPES[s.dtype]
    if s.dist == "randn":
        return (torch.randn(shape, generator=g, dtype=torch.float64) * s.std + s.mean).to(dtype)
    if s.dist == "normal":
        return (torch.randn(shape, generator=g, dtype=torch.float64) * s.std + s.mean).to(dtype)
    if s.dist == "rand":
        return torch.rand(shape, generator=g, dtype=torch.float64).to(dtype)
    if s.dist == "uniform":
        assert s.low is not None and s.high is not None
        u = torch.rand(shape, generator=g, dtype=torch.float64)
        return (s.low + (s.high - s.low) * u).to(dtype)
    if s.dist == "randint":
        assert s.low is not None and s.high is not None
        return torch.randint(int(s.low), int(s.high) + 1, shape, generator=g).to(dtype)
    if s.dist == "class_labels":
        assert s.classes is not None
        return torch.randint(0, _size(s.classes, dims), shape, generator=g).to(dtype)
    if s.dist == "choice":
        assert s.values is not None
        idx = int(torch.randint(0, len(s.values), (1,), generator=g).item())
        return torch.tensor(s.values[idx], dtype=dtype)
    if s.dist == "const":
        assert s.values is not None
        values = s.values[0] if len(s.values) == 1 and not s.shape else s.values
        return torch.tensor(values, dtype=dtype)
    if s.dist == "linspace":
        assert s.low is not None and s.high is not None and s.num is not None
        return torch.linspace(s.low, s.high, _size(s.num, dims), dtype=dtype)
    if s.dist == "seed":
        return torch.tensor(derive_seed(seed, "seed", name) % (2**31), dtype=torch.int64)
    if s.dist == "dataset":
        assert s.dataset is not None and s.split == "train"
        X, y = load_dataset(root, s.dataset, s.split)
        return (X if s.field == "X" else y).clone()
    if s.dist == "linear_targets":
        assert s.X is not None and s.w is not None
        X = done[s.X].to(torch.float64)
        y = X @ done[s.w].to(torch.float64).reshape(-1)
        if s.b is not None:
            y = y + done[s.b].to(torch.float64)
        y = y + s.noise * torch.randn(y.shape, generator=g, dtype=torch.float64)
        return y.to(dtype)
    raise ValueError(f"unknown dist {s.dist!r}")  # pragma: no cover - the spec forbids it


def draw_inputs(spec: LessonSpec, seed: int, root: Path | None = None,
                ) -> tuple[dict[str, torch.Tensor], dict[str, int]]:
    """All inputs of a lesson for one run, in spec order (later ones may use earlier ones);
    datasets come from the course at ``root`` (default: ``course_root()``)."""
    root = root or course_root()
    dims = draw_dims(spec, seed)
    done: dict[str, torch.Tensor] = {}
    for name, s in spec.inputs.items():
        done[name] = draw_one(name, s, seed, dims, done, root)
    return done, dims
