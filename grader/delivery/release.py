"""Build the student release of a course or module: what students receive.

The release holds the exercise texts, stubs and notebooks, the grader, and for each lesson
its public checks with expected outputs precomputed by the reference on fixed inputs,
stored as data (``grader.course.public``). It holds no reference code, no known-mistake
code, no quiz key, no hidden check and no held-out data: ``grade`` in the release grades the public
checks and says that the hidden ones run on submission.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.course.datasets import public_files
from grader.course.inputs import derive_seed, draw_inputs
from grader.course.lessons import STUB_COPY, Lesson
from grader.course.paths import COURSE_FILE, course_info
from grader.course.public import DATA_FILE, INDEX_FILE, SPEC_FILE, public_spec
from grader.course.spec import SCOPE_SEP, LessonSpec, scope_of

if TYPE_CHECKING:
    import torch

# never copied: caches, and anything a course author may keep beside the grader
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".pytest_cache")

STUDENT_README = """\
# {title}

Exercises of *Learn the Training Loop with PyTorch*, with the grader to check your work.

Set up once (Python 3.11), then activate the environment in each new terminal:

```bash
python3 -m venv .venv && .venv/bin/pip install -c constraints.txt -e .
source .venv/bin/activate
```

Write your solution in the lesson's `.py` file or notebook (`assignments/<lesson>/`), then,
in that folder:

```bash
grade 1.2                  # finds the lesson's .py or .ipynb in this folder
grade 1.2 my_work.ipynb    # any file name
```

In a notebook, check without leaving it: run `from grader import check; check("1.2")` in
a cell after your code.

`grade` runs the **public checks** on fixed inputs. More checks (fresh inputs, trained
accuracy, quiz answers) run when you submit: a full public score is a good sign, not the
final grade.

Lessons: {lessons}
"""


def release_seed(lesson_id: str, base: int = 0) -> int:
    """The fixed seed of a lesson's public inputs (the same for every build of a term)."""
    return derive_seed(base, "release", lesson_id) % (2**31)


def select_lessons(lessons: list[Lesson], wanted: tuple[str, ...]) -> list[Lesson]:
    """Lessons named by id (``2.3``) or by module (``2``); all when none is named."""
    if not wanted:
        return lessons
    chosen = [les for les in lessons
              if les.id in wanted or les.id.split(".")[0] in wanted]
    unknown = [w for w in wanted if not any(les.id == w or les.id.split(".")[0] == w
                                            for les in lessons)]
    if unknown:
        known = ", ".join(les.id for les in lessons)
        raise ValueError(f"no lesson or module {', '.join(unknown)} (lessons: {known})")
    return chosen


def _copy_datasets(root: Path, names: set[str], out: Path) -> None:
    """The datasets the lessons name, without their held-out parts (students may train
    and explore on the training split; the held-out split stays with the grader)."""
    for name in sorted(names):
        folder = out / "datasets" / name
        folder.mkdir(parents=True)
        for file, data in public_files(root, name).items():
            (folder / file).write_bytes(data)


def build_release(root: Path, lessons: list[Lesson], out: Path, *, seed_base: int = 0,
                  title: str | None = None,
                  on_progress: Callable[[str], None] | None = None) -> list[str]:
    """Write the release of ``lessons`` into the new folder ``out``; returns one summary
    line per lesson."""
    say = on_progress or (lambda _m: None)
    out.mkdir(parents=True)
    shutil.copytree(root / "grader", out / "grader", ignore=_IGNORE)
    for name in ("pyproject.toml", "constraints.txt", COURSE_FILE):
        if (root / name).is_file():
            shutil.copy2(root / name, out / name)
    _copy_datasets(root, {n for les in lessons for n in les.spec.datasets()}, out)
    summary = []
    for les in lessons:
        say(f"lesson {les.id}: exercise, stub, notebook")
        shutil.copytree(les.assignment_dir, out / "assignments" / les.id, ignore=_IGNORE)
        # untouched copies: the student edits the files above, and the grader must still
        # tell the stub from their work when both .py and .ipynb are there
        kept = out / "public" / les.id / STUB_COPY
        kept.mkdir(parents=True)
        for stub in les.stub_files:
            if stub.is_file():
                shutil.copy2(stub, kept / stub.name)
        say(f"lesson {les.id}: running the reference on fixed inputs")
        spec = write_public(les, out / "public" / les.id, release_seed(les.id, seed_base))
        public = spec.checks if spec else []
        pts = sum(c.points for c in public)
        summary.append(f"{les.id}: {len(public)} public check(s) ({pts} of "
                       f"{les.spec.max_score} points); the rest run on submission")
    (out / "README.md").write_text(STUDENT_README.format(
        title=title or course_info(root).title, lessons=", ".join(les.id for les in lessons)),
        encoding="utf-8")
    return summary


def write_public(lesson: Lesson, out: Path, seed: int) -> LessonSpec:
    """Store ``lesson``'s public spec, fixed inputs and expected outputs under ``out``."""
    from safetensors.torch import save_file  # noqa: PLC0415

    from grader.grading.oracle import Oracle  # noqa: PLC0415 - imports torch
    from grader.harness.values import encode  # noqa: PLC0415


    spec = public_spec(lesson.spec)
    if spec is None:  # nothing public (a quiz): the release only says what runs on submission
        spec = LessonSpec.model_validate({
            **lesson.spec.model_dump(mode="json",
                                     exclude={"checks", "probes", "mistakes", "diagnose"}),
            "checks": [], "probes": []})
    inputs, dims = draw_inputs(lesson.spec, seed, lesson.root)
    oracle = Oracle(lesson, {**inputs, **dims}, seed)
    tensors: dict[str, torch.Tensor] = {f"input/{k}": v.contiguous() for k, v in inputs.items()}
    hidden = [c for c in lesson.spec.checks if c.name not in {x.name for x in spec.checks}]
    index: dict[str, Any] = {
        "seed": seed, "dims": dims, "inputs": list(inputs), "expected": {}, "variants": {},
        "hidden_checks": len(hidden), "hidden_points": sum(c.points for c in hidden),
    }
    needed: dict[str, set[str]] = {}  # check name -> the probe instances it reads
    for c in spec.checks:
        for inst in spec.instances(c.probe):
            scope = scope_of(inst.id)
            refs = {c.probe, (getattr(c, "expected", None) or c.probe).split(".")[0]}
            needed.setdefault(c.name, set()).update(
                f"{ref}{SCOPE_SEP}{scope}" if scope else ref for ref in refs)
    for pid in sorted(set().union(*needed.values()) if needed else set()):
        desc, t = encode(oracle.outputs(lesson.spec.probe(pid)), f"expected/{pid}")
        index["expected"][pid] = desc
        tensors.update(t)
    for m in spec.mistakes:
        probes = {pid for c in spec.checks if c.name in m.all_loses for pid in needed[c.name]}
        for stem in m.files:
            entry: dict[str, Any] = {}
            for pid in sorted(probes):
                outs = oracle.outputs(lesson.spec.probe(pid), variant=stem)
                if outs is None:
                    entry[pid] = None
                    continue
                desc, t = encode(outs, f"variant/{stem}/{pid}")
                entry[pid] = desc
                tensors.update(t)
            index["variants"][stem] = entry
    out.mkdir(parents=True, exist_ok=True)
    (out / SPEC_FILE).write_text(spec.model_dump_json(indent=1), encoding="utf-8")
    (out / INDEX_FILE).write_text(json.dumps(index, indent=1), encoding="utf-8")
    save_file(tensors, str(out / DATA_FILE))
    return spec
