"""Cross-reference validation of a lesson's spec against the files it names.

The pydantic models (``spec.py``) check each field on its own; this module checks what the
fields point at, when the lesson loads and before anything runs: the functions and
classes a probe calls exist in the student's stub and in the reference, the harness
helpers exist, every ``$name`` is an input, a dim or an earlier step's output, datasets are
registered, the quiz key answers every question, each known mistake has its file, and so
on. A broken reference is a fault of the course, reported as a ``SpecError`` that names the
file and the field, never as a student's lost points.

Nothing here imports torch or runs lesson code: files are parsed, not executed.
"""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from grader.course.datasets import TensorsInfo, dataset_info, dataset_names, tensor_names
from grader.course.spec import (
    AccuracyCheck,
    InputSpec,
    LessonSpec,
    Probe,
    QuizCheck,
    SameCheck,
    Step,
    TimeBudgetCheck,
)
from grader.errors import SpecError

GRADER_DIR = Path(__file__).resolve().parents[1]
HARNESS_LIBRARY = GRADER_DIR / "harness" / "library.py"


@cache
def harness_helpers() -> frozenset[str]:
    """Names of the harness helpers a spec may ``use`` (functions decorated ``@helper``)."""
    tree = ast.parse(HARNESS_LIBRARY.read_text(encoding="utf-8"))
    return frozenset(
        node.name for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(isinstance(d, ast.Name) and d.id == "helper" for d in node.decorator_list))


def top_level_names(path: Path) -> set[str]:
    """Names a Python file binds at its top level (functions, classes, assignments,
    imports), read without running it; empty when the file is absent."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {a.asname or a.name.split(".")[0] for a in node.names}
    return names


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"  {where}: {message}")

    def raise_if_any(self) -> None:
        if self.lines:
            raise SpecError("\n".join(
                [f"{self.path}: the spec refers to things that do not exist "
                 f"({len(self.lines)} problem(s))", *self.lines]))


def _refs(arg: Any) -> Iterator[tuple[str, str]]:
    """("$", name) for each namespace reference and ("student", name) for each symbol."""
    if isinstance(arg, str) and arg.startswith("$"):
        yield "$", arg[1:]
    elif isinstance(arg, list):
        for a in arg:
            yield from _refs(a)
    elif isinstance(arg, dict):
        if len(arg) == 1 and "student" in arg and isinstance(arg["student"], str):
            yield "student", arg["student"]
            return
        for v in arg.values():
            yield from _refs(v)


def _step_outputs(step: Step) -> list[str]:
    return [step.out] if isinstance(step.out, str) else list(step.out or [])


def _check_probe(i: int, probe: Probe, known: set[str], stub: set[str] | None,
                 reference: set[str] | None, problems: _Problems) -> None:
    label = f"probes[{i}] ({probe.id!r})"
    names = set(known) | ({"device"} if probe.devices else set())
    for j, step in enumerate(probe.steps):
        where = f"{label}.steps[{j}]"
        for field in ("call", "get"):
            target = getattr(step, field)
            if target is None:
                continue
            if stub is not None and target not in stub and not probe.trusted_only:
                problems.add(f"{where}.{field}", f"{target!r} is not defined in the student's "
                             "stub, so no student could provide it")
            ref_target = probe.expect.rename.get(target, target)
            if (reference is not None and probe.expect.module == "reference"
                    and ref_target not in reference):
                problems.add(f"{where}.{field}", f"{ref_target!r} is not defined in the "
                             "reference solution")
        if step.use is not None and step.use not in harness_helpers():
            problems.add(f"{where}.use", f"unknown harness helper {step.use!r} (known: "
                         f"{', '.join(sorted(harness_helpers()))})")
        if step.on is not None:
            if not step.on.startswith("$"):
                problems.add(f"{where}.on", f"{step.on!r} must be a $name")
            elif step.on[1:] not in names:
                problems.add(f"{where}.on", f"{step.on!r} is not an input, a dim or an "
                             "earlier step's output")
        for kind, name in _refs([step.args, step.kwargs]):
            if kind == "$" and name not in names:
                problems.add(f"{where}.args", f"'${name}' is not an input, a dim or an "
                             "earlier step's output")
            if kind == "student" and stub is not None and name not in stub:
                problems.add(f"{where}.args", f"{{student = {name!r}}}: not defined in the "
                             "student's stub")
        names |= set(_step_outputs(step))
    for name in probe.outputs:
        if name not in names:
            problems.add(f"{label}.outputs", f"{name!r} is produced by no step of the probe")
    if probe.expect.module != "reference" and not module_exists(probe.expect.module):
        problems.add(f"{label}.expect.module", f"{probe.expect.module!r} cannot be imported")


def module_exists(dotted: str) -> bool:
    """Whether ``dotted`` names an importable module, found without importing anything
    (``find_spec`` of a submodule would import its package: torch, 1.5 s)."""
    head, *rest = dotted.split(".")
    spec = importlib.util.find_spec(head)
    if spec is None:
        return False
    places = [Path(p) for p in (spec.submodule_search_locations or [])]
    for i, part in enumerate(rest):
        last = i == len(rest) - 1
        nxt = [p / part for p in places if (p / part / "__init__.py").is_file()]
        if last:
            return bool(nxt) or any((p / f"{part}.py").is_file() for p in places)
        places = nxt
    return True


def validate_references(spec: LessonSpec, spec_path: Path, *, stub_path: Path | None,
                        reference_dir: Path | None, root: Path | None) -> None:
    """Raise ``SpecError`` listing every reference in ``spec`` that points at nothing.

    ``stub_path`` / ``reference_dir`` are None where they do not exist (a student
    release has no reference, and no datasets: its inputs are stored); the checks that need
    them are then skipped."""
    problems = _Problems(spec_path)
    stub = top_level_names(stub_path) if stub_path is not None else None
    if stub_path is not None and not stub_path.is_file():
        problems.add("lesson.stem", f"the student's stub {stub_path} does not exist")
        stub = None
    reference: set[str] | None = None
    if reference_dir is not None:
        solution = reference_dir / "solution.py"
        if not solution.is_file():
            problems.add("(reference)", f"{solution} does not exist")
        else:
            reference = top_level_names(solution)

    datasets = set(dataset_names(root)) if root is not None else None

    def dataset_input(where: str, inp: InputSpec) -> None:
        """A table's X or y of a split that is not held out, or a named tensor of a
        ``tensors`` dataset."""
        assert root is not None and inp.dataset is not None
        try:
            info = dataset_info(root, inp.dataset)
            if isinstance(info, TensorsInfo):
                names = tensor_names(root, inp.dataset)
        except SpecError as e:
            problems.add("(dataset)", str(e))
            return
        if isinstance(info, TensorsInfo):
            if inp.split is not None:
                problems.add(f"{where}.split", f"{inp.dataset!r} holds named tensors: no split")
            if inp.field not in names:
                problems.add(f"{where}.field", f"{inp.dataset!r} has no tensor {inp.field!r} "
                             f"(it has: {', '.join(names)})")
            return
        split = inp.split or "train"
        if split in info.held_out:
            problems.add(f"{where}.split", f"{split!r} of {inp.dataset!r} is held out: it "
                         "can never be a sandbox input")
        if inp.field not in ("X", "y"):
            problems.add(f"{where}.field", f"a table's field is 'X' or 'y', not {inp.field!r}")

    dims = set(spec.dims)
    inputs: set[str] = set()
    for name, inp in spec.inputs.items():
        where = f"inputs.{name}"
        for d in [*inp.shape, inp.num, inp.classes]:
            if isinstance(d, str) and d not in dims:
                problems.add(where, f"size {d!r} is not a dim (dims: {sorted(dims)})")
        for field in ("X", "w", "b"):
            ref = getattr(inp, field)
            if ref is not None and ref not in inputs:
                problems.add(f"{where}.{field}", f"{ref!r} is not an earlier input")
        if datasets is None:
            pass
        elif inp.dist == "dataset" and inp.dataset not in datasets:
            problems.add(f"{where}.dataset", f"unknown dataset {inp.dataset!r} (known: "
                         f"{', '.join(sorted(datasets))})")
        elif inp.dist == "dataset":
            dataset_input(where, inp)
        inputs.add(name)
    known = dims | inputs
    for i, probe in enumerate(spec.probes):
        _check_probe(i, probe, known, stub, reference, problems)

    probes = {p.id: p for p in spec.probes}
    key: dict[str, Any] | None = None
    for i, check in enumerate(spec.checks):
        where = f"checks[{i}] ({check.name!r})"
        probe = probes[check.probe]
        if isinstance(check, SameCheck) and check.other.split(".")[0] not in probe.outputs:
            problems.add(f"{where}.other", f"probe {probe.id!r} has no output {check.other!r}")
        for field in ("expected", "shape_of"):
            ref = getattr(check, field, None)
            if ref is None:
                continue
            head, _, rest = ref.partition(".")
            if head in probes and (not rest or rest.split(".")[0] not in probes[head].outputs):
                problems.add(f"{where}.{field}", f"probe {head!r} has no output {rest!r}")
        if isinstance(check, TimeBudgetCheck) and check.step >= len(probe.steps):
            problems.add(f"{where}.step", f"probe {probe.id!r} has {len(probe.steps)} step(s)")
        if isinstance(check, AccuracyCheck):
            if datasets is not None and check.dataset not in datasets:
                problems.add(f"{where}.dataset", f"unknown dataset {check.dataset!r}")
            elif datasets is not None and root is not None:
                try:
                    info = dataset_info(root, check.dataset)
                except SpecError as e:
                    problems.add("(dataset)", str(e))
                else:
                    if isinstance(info, TensorsInfo) or check.split not in info.splits:
                        problems.add(f"{where}.dataset", f"{check.dataset!r} has no "
                                     f"{check.split!r} split to score on")
            if reference is not None and check.evaluate not in reference:
                problems.add(f"{where}.evaluate", f"{check.evaluate!r} is not defined in the "
                             "reference solution")
        if isinstance(check, QuizCheck) and reference_dir is not None:
            if key is None:
                key = _quiz_key(reference_dir / "key.toml", problems)
            entry = key.get(check.question)
            if not isinstance(entry, dict):
                problems.add(f"{where}.question", f"key.toml has no entry {check.question!r}")
            elif entry.get("kind") not in {"choice", "numeric"} or "answer" not in entry:
                problems.add(f"{where}.question", f"key.toml entry {check.question!r} needs "
                             "kind = 'choice' | 'numeric' and an answer")
    if reference_dir is not None:
        for i, mistake in enumerate(spec.mistakes):
            for stem in mistake.files:  # the mistake's own file and its variants'
                path = reference_dir / "mistakes" / f"{stem}.py"
                if not path.is_file():
                    problems.add(f"mistakes[{i}] ({mistake.id!r})", f"{path} does not exist")
    problems.raise_if_any()


def _quiz_key(path: Path, problems: _Problems) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        problems.add("(quiz key)", f"{path} cannot be read")
    except tomllib.TOMLDecodeError as e:
        problems.add("(quiz key)", f"{path} is not valid TOML: {e}")
    return {}
