"""Gradescope: build the autograder zip, and grade a submission in Gradescope's layout.

``grade gradescope build 1.2 -o autograder.zip`` (or a module, ``1``: all its lessons)
writes a zip whose root holds Gradescope's two scripts, ``setup.sh`` (run once when the
image is built: a Python >= 3.11 virtual environment with the CPU build of torch pinned by
``constraints.txt`` and the grader installed from the zip) and ``run_autograder`` (run for
every submission), plus the grader package, ``pyproject.toml``, ``constraints.txt`` and,
for each lesson, ``reference/<id>/`` (spec, reference, known mistakes) and
``assignments/<id>/`` (the stub folder).

``run_autograder`` calls ``grade gradescope run``: it finds each lesson's file in
``<root>/submission`` by the lesson's file name (``.py`` or ``.ipynb``), grades it, and
writes ``<root>/results/results.json`` once, at the end. ``<root>`` is ``/autograder``, or
``$GRADESCOPE_ROOT`` (tests lay the folders out in a temporary one).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.course.datasets import datasets_dir
from grader.course.lessons import Lesson, LessonNotFound, all_lessons, get_lesson
from grader.course.paths import COURSE_FILE
from grader.errors import SubmissionError, UsageProblem
from grader.grading.submission import find_submission as pick_submission
from grader.report.gradescope import (
    GradescopeResults,
    GradescopeTest,
    isolation_test,
    lesson_output,
    lesson_tests,
    md_escape,
    not_graded_tests,
    results_of,
    write_results,
)

DEFAULT_ROOT = Path("/autograder")
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".mypy_cache"}
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # reproducible zips: the same inputs give the same bytes

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It makes a Python >= 3.11 virtual environment in $ROOT/venv with the CPU build of torch
# (the version pinned in constraints.txt) and installs the grader from this folder.
# GRADER_PYTHON: an interpreter that already has torch and the grader's dependencies (an
# image that ships them; tests without a network): used as it is, nothing is installed.
# Student code runs as unprivileged users (never root) where bubblewrap cannot start (it
# cannot under Docker's default seccomp profile), so the course is made unreadable to
# other users: see LOCK below, which run_autograder repeats before every grading.
set -euo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
ROOT="${{GRADESCOPE_ROOT:-/autograder}}"
export DEBIAN_FRONTEND=noninteractive

if command -v apt-get >/dev/null; then
    apt-get update -qq || true
    # bubblewrap: the stronger sandbox (hides the reference from submissions), when it runs.
    apt-get install -y -qq bubblewrap >/dev/null || echo "no bubblewrap: process sandbox"
fi

if [ -n "${{GRADER_PYTHON:-}}" ]; then
    VPY="$GRADER_PYTHON"
else
    PY=""
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null \\
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            PY="$candidate"
            break
        fi
    done
    if [ -z "$PY" ]; then
        apt-get install -y -qq python3.11 python3.11-venv >/dev/null
        PY=python3.11
    fi
    if ! "$PY" -m venv "$ROOT/venv"; then
        apt-get install -y -qq "$(basename "$PY")-venv" >/dev/null \
            || apt-get install -y -qq python3-venv >/dev/null
        "$PY" -m venv "$ROOT/venv"
    fi
    VPY="$ROOT/venv/bin/python"
    "$VPY" -m pip install --quiet --upgrade pip
    "$VPY" -m pip install --quiet -c "$SOURCE/constraints.txt" --index-url {TORCH_INDEX} torch
    "$VPY" -m pip install --quiet -c "$SOURCE/constraints.txt" "$SOURCE"
fi
(cd / && "$VPY" -c "import torch, safetensors, pydantic; print('torch', torch.__version__)")

# LOCK: the reference, the grader (its installed copy too) and the results are root's
# alone; the Python environment stays readable (student code runs with it).
chmod -R go-rwx "$SOURCE"
WHERE='import grader, os; print(os.path.dirname(grader.__file__))'
INSTALLED="$(cd / && "$VPY" -c "$WHERE" 2>/dev/null || true)"
if [ -n "$INSTALLED" ] && [ -d "$INSTALLED" ]; then
    chmod -R go-rwx "$INSTALLED"
fi
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission (it copies it to /autograder/run_autograder).
# It grades the files in $ROOT/submission and writes $ROOT/results/results.json once.
# For local runs and tests: GRADESCOPE_ROOT (default /autograder) and GRADER_PYTHON
# (default the environment setup.sh made); extra arguments go to `grade gradescope run`.
ROOT="${GRADESCOPE_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PY="${GRADER_PYTHON:-$ROOT/venv/bin/python}"
# Student code runs as unprivileged users where bubblewrap cannot start (Docker's default
# seccomp profile): the course, the submission's metadata and the results are root's alone.
chmod 711 "$ROOT" 2>/dev/null || true
chmod -R go-rwx "$SOURCE" 2>/dev/null || true
mkdir -p "$ROOT/results" && chmod 700 "$ROOT/results"
if [ -e "$ROOT/submission_metadata.json" ]; then chmod 600 "$ROOT/submission_metadata.json"; fi
export GRADER_COURSE_ROOT="$SOURCE"
export PYTHONPATH="$SOURCE${PYTHONPATH:+:$PYTHONPATH}"
cd "$SOURCE" || exit 1
"$PY" -m grader gradescope run --root "$ROOT" "$@"
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    # The grader could not even start: still give Gradescope a result to show.
    mkdir -p "$ROOT/results"
    message="The autograder could not run (exit status $status). This is not a problem"
    message="$message with your submission: please tell your instructor."
    printf '{"score": 0, "output": "%s", "output_format": "text", "tests": []}\\n' \
        "$message" > "$ROOT/results/.results.tmp"
    mv "$ROOT/results/.results.tmp" "$ROOT/results/results.json"
fi
exit 0
"""


class BuildError(UsageProblem):
    """The zip cannot be built (unknown lesson, unreadable or unwritable path)."""


def select(targets: Iterable[str], root: Path) -> list[Lesson]:
    """Lessons named by id (``1.2``) or by module (``1``: every lesson of that module)."""
    lessons: list[Lesson] = []
    for target in targets:
        target = target.strip()
        if re.fullmatch(r"[1-9]", target):
            found = [les for les in all_lessons(root)
                     if les.spec_path.is_file() and les.spec.lesson.module == int(target)]
            if not found:
                known = ", ".join(les.id for les in all_lessons(root)) or "none"
                raise LessonNotFound(f"no lessons in module {target} (lessons: {known})")
        else:
            les = get_lesson(target, root)
            if not les.spec_path.is_file():
                raise LessonNotFound(f"lesson {target} has no reference/{target}/spec.toml "
                                     "here (an autograder is built from the course repository)")
            found = [les]
        lessons += [les for les in found if les.id not in {x.id for x in lessons}]
    return lessons


def _files_under(folder: Path) -> list[Path]:
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in _SKIP_DIRS or part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix not in (".pyc", ".pyo"):
            out.append(path)
    return out


def _readme(lessons: list[Lesson]) -> str:
    lines = ["# Gradescope autograder", "", "Built by `grade gradescope build` for:", ""]
    lines += [f"- {les.id}: {les.spec.lesson.title} (`{les.spec.lesson.stem}.py` or "
              f"`.ipynb`, {les.spec.max_score} points)" for les in lessons]
    lines += ["", "Upload this zip as the assignment's autograder (Ubuntu base image).", ""]
    return "\n".join(lines)


def zip_entries(lessons: list[Lesson], root: Path) -> list[tuple[str, bytes, int]]:
    """(name in the zip, content, unix mode) of everything the autograder needs."""
    entries: list[tuple[str, bytes, int]] = [
        ("setup.sh", SETUP_SH.encode(), 0o755),
        ("run_autograder", RUN_AUTOGRADER.encode(), 0o755),
        ("README.md", _readme(lessons).encode(), 0o644),
    ]
    for name in ("pyproject.toml", "constraints.txt"):
        path = root / name
        if not path.is_file():
            raise BuildError(f"{path} is missing: build from the course repository")
        entries.append((name, path.read_bytes(), 0o644))
    if (root / COURSE_FILE).is_file():
        entries.append((COURSE_FILE, (root / COURSE_FILE).read_bytes(), 0o644))
    folders = [(root / "grader", "grader")]
    # the datasets the lessons name, whole: held-out splits score trained models there
    folders += [(datasets_dir(root) / name, f"datasets/{name}")
                for name in sorted({n for les in lessons for n in les.spec.datasets()})]
    for les in lessons:
        folders.append((les.reference_dir, f"reference/{les.id}"))
        if les.assignment_dir.is_dir():
            folders.append((les.assignment_dir, f"assignments/{les.id}"))
    for folder, prefix in folders:
        for path in _files_under(folder):
            rel = path.relative_to(folder).as_posix()
            entries.append((f"{prefix}/{rel}", path.read_bytes(), 0o644))
    return entries


def build_zip(lessons: list[Lesson], out: Path, root: Path) -> list[str]:
    """Write the autograder zip to ``out`` (atomically); return the names it holds."""
    for les in lessons:
        les.spec  # noqa: B018 - a broken spec fails the build, not the first submission
    try:
        entries = zip_entries(lessons, root)
    except OSError as e:
        raise BuildError(f"cannot read {e.filename}: {e.strerror}") from None
    out = out.resolve()
    if not out.parent.is_dir():
        raise BuildError(f"cannot write {out}: the folder {out.parent} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".autograder-", suffix=".zip", dir=out.parent)
    except OSError as e:
        raise BuildError(f"cannot write in {out.parent}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data, mode in entries:
                info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        os.replace(tmp, out)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise BuildError(f"cannot write {out}: {e.strerror}") from None
    return [name for name, _, _ in entries]


# --------------------------------------------------------------------------- running


@dataclass
class Found:
    path: Path | None
    note: str = ""


def find_submission(folder: Path, stem: str, stubs: Sequence[Path] = ()) -> Found:
    """The lesson's file in the submission, by the one rule of
    ``grader.grading.submission.find_submission`` (an uploaded folder or repository is
    searched too); ``note`` says why nothing was chosen."""
    if not folder.is_dir():
        return Found(None)
    try:
        return Found(pick_submission(folder, stem, stubs=stubs, search_subfolders=True))
    except SubmissionError as e:
        return Found(None, str(e))


def _submitted_names(folder: Path, limit: int = 12) -> str:
    if not folder.is_dir():
        return "nothing"
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    if not names:
        return "nothing"
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _spec_checks(lesson: Lesson) -> list[tuple[str, int, str]]:
    return [(c.name, c.points, c.visibility) for c in lesson.spec.checks]


def grade_in_layout(root: Path, *, seed: int | None = None, sandbox: str = "auto",
                    say: Callable[[str], None] = print) -> GradescopeResults:
    """Grade every lesson of the autograder (``<root>/source``) on ``<root>/submission``."""
    from grader.sandbox import start_early  # noqa: PLC0415 - no torch
    from grader.sandbox.warm import WarmBackend  # noqa: PLC0415

    # as `grade` does: one warm worker starts importing torch in its sandbox while this
    # process imports its own, and every lesson of the autograder is graded on it (--gpu
    # has no place here: Gradescope's containers have no GPU)
    started = time.perf_counter()
    backend = start_early(sandbox)
    from grader.grading.engine import grade_file  # noqa: PLC0415 - imports torch
    from grader.grading.submission import SubmissionError  # noqa: PLC0415

    source, submission = root / "source", root / "submission"
    say(f"grader from {Path(__file__).resolve().parents[1]}, lessons from {source}")
    lessons = [les for les in all_lessons(source) if les.spec_path.is_file()]
    if not lessons:
        raise BuildError(f"{source} holds no reference/<id>/spec.toml: not an autograder")
    several = len(lessons) > 1
    tests: list[GradescopeTest] = []
    outputs: list[str] = []
    warnings: list[str] = []
    for les in lessons:
        prefix = f"{les.id} · " if several else ""
        stem = les.spec.lesson.stem
        found = find_submission(submission, stem, les.stub_files)
        if found.path is None:
            why = found.note or f"no {stem}.py or {stem}.ipynb"
            reason = (f"{why} (your submission has {_submitted_names(submission)}). Submit "
                      f"one file named {stem}.py or {stem}.ipynb.")
            say(f"lesson {les.id}: {reason}")
            tests += not_graded_tests(_spec_checks(les), reason, prefix)
            outputs.append(f"**Lesson {les.id} ({md_escape(les.spec.lesson.title)}): 0/"
                           f"{les.spec.max_score} points.** {md_escape(reason)}")
            continue
        say(f"lesson {les.id}: grading {found.path.relative_to(submission)}")
        try:
            result = grade_file(les, found.path, seed=seed, sandbox=backend)
        except SubmissionError as e:
            reason = f"your file could not be read: {e}"
        except Exception as e:  # noqa: BLE001 - one lesson's grader failure must not lose the rest
            reason = (f"the autograder failed on this lesson ({type(e).__name__}: {e}). This "
                      "is not a problem with your submission: please tell your instructor.")
        else:
            if found.note:
                result = result.model_copy(update={"notes": [found.note, *result.notes]})
            visibility = {c.name: c.visibility for c in les.spec.checks}
            tests += lesson_tests(result, visibility, prefix)
            outputs.append(lesson_output(result))
            say(f"lesson {les.id}: {result.score}/{result.max_score} (seed {result.seed}, "
                f"sandbox {result.sandbox})")
            say(f"lesson {les.id}: isolation: {result.isolation}")
            if result.isolation_warning:
                warnings.append(f"lesson {les.id}: {result.isolation_warning}")
                say(_banner(f"lesson {les.id}: {result.isolation_warning}"))
            continue
        say(f"lesson {les.id}: {reason}")
        tests += not_graded_tests(_spec_checks(les), reason, prefix)
        outputs.append(f"**Lesson {les.id}: 0/{les.spec.max_score} points.** "
                       f"{md_escape(reason)}")
    if isinstance(backend, WarmBackend):
        backend.close()  # the worker goes now, not at exit: a caller may grade again
    warning = isolation_test(warnings)
    return results_of(tests + ([warning] if warning else []), outputs,
                      time.perf_counter() - started)


def _banner(text: str) -> str:
    """A warning no instructor reading the autograder's output can miss."""
    rule = "!" * 78
    return f"{rule}\nWARNING: GRADING WAS NOT ISOLATED\n{text}\n{rule}"


def run_in_layout(root: Path, *, seed: int | None = None, sandbox: str = "auto",
                  say: Callable[[str], None] = print) -> GradescopeResults:
    """Grade and write ``<root>/results/results.json`` once; a grader failure still writes
    a result (score 0 and a message) rather than nothing."""
    try:
        results = grade_in_layout(root, seed=seed, sandbox=sandbox, say=say)
    except Exception as e:  # noqa: BLE001 - Gradescope must always get a results.json
        say(f"the autograder failed: {type(e).__name__}: {e}")
        results = GradescopeResults(
            score=0, execution_time=0, tests=[],
            output=md_escape(f"The autograder could not run ({type(e).__name__}: {e}). This "
                             "is not a problem with your submission: please tell your "
                             "instructor."))
    write_results(root / "results" / "results.json", results)
    return results
