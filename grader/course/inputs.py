"""Draw a lesson's inputs fresh from the run's seed (trusted side).

Every input gets its own generator derived from (seed, name), so a run is replayed
exactly with ``--seed`` and adding an input to a spec does not shift the others.

A probe's boundary cases and its timed run draw in a *scope* of their own: the inputs a
case changes (or that depend on a dim it fixes) are drawn again under ``"<scope>/<name>"``
(dims as ``"<scope>/<dim>"``); the rest are shared with the random draw. The timed run
draws every input its probe reads afresh, so nothing the submission saw before (or
precomputed) matches them.
"""

from __future__ import annotations

from pathlib import Path

import torch

from grader.course.datasets import TensorsInfo, dataset_info, load_dataset, load_tensors
from grader.course.paths import course_root
from grader.course.seeds import derive_seed
from grader.course.spec import SCOPE_SEP, InputSpec, LessonSpec

__all__ = ["derive_seed", "draw_dims", "draw_inputs", "draw_one", "draw_timed", "probe_reads",
           "timed_id"]

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
             done: dict[str, torch.Tensor], root: Path, salt: str = "input") -> torch.Tensor:
    g = torch.Generator().manual_seed(derive_seed(seed, salt, name))
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
        assert s.dataset is not None and s.field is not None
        if isinstance(dataset_info(root, s.dataset), TensorsInfo):
            return load_tensors(root, s.dataset)[s.field]  # a named tensor (a model's weight)
        X, y = load_dataset(root, s.dataset, s.split or "train")
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


def _uses(s: InputSpec) -> tuple[set[str], set[str]]:
    """(dims, inputs) an input's spec refers to."""
    dims = {d for d in [*s.shape, s.num, s.classes] if isinstance(d, str)}
    inputs = {n for n in (s.X, s.w, s.b) if n is not None}
    return dims, inputs


def draw_inputs(spec: LessonSpec, seed: int, root: Path | None = None,
                ) -> tuple[dict[str, torch.Tensor], dict[str, int]]:
    """All inputs of a lesson for one run, in spec order (later ones may use earlier ones),
    and those of every probe's boundary cases under their scopes; datasets come from the
    course at ``root`` (default: ``course_root()``)."""
    root = root or course_root()
    dims = draw_dims(spec, seed)
    done: dict[str, torch.Tensor] = {}
    for name, s in spec.inputs.items():
        done[name] = draw_one(name, s, seed, dims, done, root)
    for probe in spec.probes:
        for scope, case in spec.case_scopes(probe.id):
            case_dims = {**dims, **case.dims}
            local = dict(done)
            changed: set[str] = set()
            for name in spec.inputs:
                s = spec.case_input(case, name)
                used_dims, used_inputs = _uses(s)
                if name in case.inputs or used_dims & set(case.dims) or used_inputs & changed:
                    local[name] = draw_one(name, s, seed, case_dims, local, root)
                    done[f"{scope}/{name}"] = local[name]
                    changed.add(name)
            dims.update({f"{scope}/{k}": v for k, v in case.dims.items()})
    return done, dims


def probe_reads(spec: LessonSpec, probe_id: str) -> set[str]:
    """The inputs a probe reads (``"$name"`` anywhere in its steps), with the inputs those
    are drawn from."""
    probe = spec.probe(probe_id)
    found: set[str] = set()

    def visit(value: object) -> None:
        if isinstance(value, str) and value.startswith("$") and value[1:] in spec.inputs:
            found.add(value[1:])
        elif isinstance(value, list):
            for v in value:
                visit(v)
        elif isinstance(value, dict):
            for v in value.values():
                visit(v)

    for step in probe.steps:
        visit(step.model_dump(mode="json"))
    todo = list(found)
    while todo:
        for dep in _uses(spec.inputs[todo.pop()])[1]:
            if dep not in found:
                found.add(dep)
                todo.append(dep)
    return found


def draw_timed(spec: LessonSpec, seed: int, probe_id: str, dims: dict[str, int],
               root: Path | None = None) -> dict[str, torch.Tensor]:
    """Fresh inputs for the timed run of a probe (every input it reads, drawn with another
    salt), under its scope's names."""
    root = root or course_root()
    reads = probe_reads(spec, probe_id)
    local: dict[str, torch.Tensor] = {}
    out: dict[str, torch.Tensor] = {}
    scope = timed_scope(probe_id)
    for name, s in spec.inputs.items():
        if name in reads:
            local[name] = draw_one(name, s, seed, dims, local, root, salt=f"timed:{probe_id}")
            out[f"{scope}/{name}"] = local[name]
    return out


def timed_scope(probe_id: str) -> str:
    return f"{probe_id}_timed"


def timed_id(probe_id: str) -> str:
    """The id of a probe's timed run."""
    return f"{probe_id}{SCOPE_SEP}{timed_scope(probe_id)}"
