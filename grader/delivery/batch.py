"""Grade a whole class: every submission of a lesson in a folder, in parallel, on warm workers.

Submissions are found as ``DIR/<student>/<stem>.py|.ipynb`` (one folder per student, as
GitHub Classroom and most LMS exports lay them out) or ``DIR/<student>.py|.ipynb``; a
student with several of them (``carol.py`` beside ``carol/``, ``dan.py`` beside
``dan.ipynb``) is *ambiguous*: recorded as such, never graded twice or guessed at.
Results are appended to a JSON-lines file as each one finishes, so nothing is lost when a
run is interrupted, and a second run skips the students already graded.
"""

from __future__ import annotations

import csv
import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.course.lessons import Lesson
from grader.course.seeds import derive_seed
from grader.delivery.lanes import LaneDied, Lanes
from grader.delivery.rows import failed_row, grade_row
from grader.errors import UsageProblem
from grader.grading.memory import HEADROOM_MB
from grader.grading.submission import SubmissionError, find_submission
from grader.results import NOT_A_RESULT  # never hides a real result; looked at again

# Lanes pay one more `import torch` each (~2 s of CPU) to save the trusted side's turns at
# one interpreter (~50-150 ms a submission): below this many submissions, threads are faster.
LANES_FROM = 32


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path
    # several submissions for this one student (paths relative to the class folder): it
    # is recorded as ``ambiguous``, not graded
    ambiguous: tuple[str, ...] = ()


def _skipped(entry: Path) -> bool:
    """Not a student: a hidden file or folder (``.git``, ``.ipynb_checkpoints``) or
    Python's ``__pycache__``."""
    return entry.name.startswith(".") or entry.name == "__pycache__"


def _holds_lesson_file(folder: Path, stem: str) -> bool:
    return any(p.is_file() for suffix in (".py", ".ipynb") for p in folder.rglob(stem + suffix))


def find_submissions(folder: Path, stem: str, *, stubs: Sequence[Path] = (),
                     ) -> tuple[list[Submission], list[str]]:
    """(submissions found, problems: students whose file could not be chosen), by student.

    A student's folder is searched with the one rule of
    ``grader.grading.submission.find_submission`` (subfolders included); a student
    whose folder holds several candidates is listed as a problem, not guessed at. A
    student name with several submissions (``carol.py`` and ``carol/``, ``dan.py`` and
    ``dan.ipynb``) is a submission marked ``ambiguous`` (none of them is graded); a folder
    without the lesson's file beside ``carol.py`` is no submission, ``carol.py`` is."""
    files: dict[str, list[Path]] = {}  # student -> their submissions
    folder_problems: dict[str, str] = {}  # student -> why their folder has none
    for entry in sorted(folder.iterdir()):
        if _skipped(entry):
            continue
        if entry.is_dir():
            try:
                path = find_submission(entry, stem, stubs=stubs, search_subfolders=True)
            except SubmissionError as e:
                folder_problems[entry.name] = str(e)
                continue
            files.setdefault(entry.name, []).append(path)
        elif entry.suffix in (".py", ".ipynb") and entry.is_file():
            files.setdefault(entry.stem, []).append(entry)
    found: list[Submission] = []
    problems: list[str] = []
    for student in sorted(files.keys() | folder_problems.keys()):
        paths = files.get(student, [])
        shown = [_relative(p, folder) for p in paths]
        problem = folder_problems.get(student)
        if problem is not None and paths and _holds_lesson_file(folder / student, stem):
            shown.append(f"{student}/ ({problem})")  # candidates there too
        if not paths:
            problems.append(f"{student}: {problem}")
        elif len(shown) > 1:
            found.append(Submission(student, paths[0], ambiguous=tuple(sorted(shown))))
        else:
            found.append(Submission(student, paths[0]))
    return found, problems


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)


def ambiguous_error(sub: Submission) -> str:
    """Why an ambiguous student has no grade, naming each of their submissions."""
    return (f"{len(sub.ambiguous)} submissions for one student: {', '.join(sub.ambiguous)}; "
            "none was graded: keep one (or rename the others) and run again")


def already_graded(results: Path) -> set[str]:
    """Students with a result in ``results``; a grader error or an ambiguous student is
    not a result, so those students are looked at again on the next run."""
    if not results.is_file():
        return set()
    done = set()
    for line in results.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
            if row.get("status") not in NOT_A_RESULT:
                done.add(row["student"])
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a line cut short by an interruption: graded again
    return done


def repair_cut_line(results: Path) -> None:
    """Mend the end of ``results`` after a run killed while writing a row: a last line
    without its newline is dropped (that student is graded again), unless it is a whole
    row that only lacks the newline (then it gets one). A cut line used to be kept, on a
    line of its own, in the middle of the file, where ``grade report`` cannot tell it from
    a broken file."""
    if not results.is_file():
        return
    with results.open("rb+") as f:
        size = f.seek(0, 2)
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        start, step = size, 1 << 16
        while start > 0:  # back to the last newline
            block = max(0, start - step)
            f.seek(block)
            newline = f.read(start - block).rfind(b"\n")
            if newline >= 0:
                start = block + newline + 1
                break
            start = block
        f.seek(start)
        try:
            row = json.loads(f.read())
            whole = isinstance(row, dict) and isinstance(row.get("student"), str)
        except ValueError:
            whole = False
        if whole:
            f.seek(0, 2)
            f.write(b"\n")
        else:
            f.truncate(start)


def student_seed(base: int, student: str) -> int:
    """The seed of one student's grading in a seeded batch: the same for the same student
    wherever it runs (locally, in any shard of a cluster job)."""
    return derive_seed(base, "student", student) % (2**31)


def shard_of(student: str, shards: int) -> int:
    """The shard (0..shards-1) a student always falls in: stable across runs, machines and
    class sizes (a hash of the name, not a position in a listing)."""
    digest = hashlib.sha256(student.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little") % shards


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/K"`` -> (i, K) with 0 <= i < K."""
    try:
        i, k = (int(x) for x in text.split("/"))
    except ValueError:
        raise UsageProblem(f"--shard {text!r}: expected i/K, e.g. 0/4") from None
    if not 0 <= i < k:
        raise UsageProblem(f"--shard {text!r}: need 0 <= i < K")
    return i, k


def shard_path(folder: Path, lesson: str, i: int) -> Path:
    """Where shard ``i`` of a class's grading appends its results."""
    return folder / f"grades-{lesson}.shards" / f"shard-{i}.jsonl"


def read_latest(results: Path) -> dict[str, dict[str, Any]]:
    """student -> their latest row in ``results`` (lines cut short are skipped)."""
    rows: dict[str, dict[str, Any]] = {}
    if not results.is_file():
        return rows
    for line in results.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
            rows[row["student"]] = row
        except (ValueError, KeyError, TypeError):
            continue
    return rows


# what a spreadsheet reads as a formula at the start of a cell (OWASP's list)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` safe for a spreadsheet: a text that a spreadsheet would run as a formula
    (a student named ``=HYPERLINK(...)``) is prefixed with ``'``, so it shows as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_summary(rows: dict[str, dict[str, Any]], path: Path) -> None:
    """The class's summary CSV: one line per student (texts neutralised: ``csv_cell``)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "status", "score", "max_score", "seed", "mistakes", "error"])
        for name in sorted(rows):
            r = rows[name]
            w.writerow([csv_cell(v) for v in (
                name, r.get("status", "graded"), r.get("score", 0), r.get("max_score", ""),
                r.get("seed", ""), " ".join(m["id"] for m in r.get("mistakes", [])),
                r.get("error", ""))])


def merge_results(parts: list[Path], out: Path) -> dict[str, dict[str, Any]]:
    """Merge result files (shards) into ``out``: one row per student, the last graded one
    (a grader error or an ambiguous student only where nothing better exists); written
    atomically, sorted by student. Returns the rows."""
    rows: dict[str, dict[str, Any]] = {}
    for part in parts:
        if not part.is_file():
            continue
        for line in part.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                student = row["student"]
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short when a task was killed: that student is redone
            if row.get("status") in NOT_A_RESULT and student in rows:
                continue
            rows[student] = row
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text("".join(json.dumps(rows[s]) + "\n" for s in sorted(rows)), encoding="utf-8")
    tmp.replace(out)
    return rows


def grade_batch(lesson: Lesson, submissions: list[Submission], results: Path, *,
                jobs: int = 2, sandbox: str = "auto", warm: bool = True,
                seed: int | None = None, memory_headroom_mb: int | None = HEADROOM_MB,
                on_done: Callable[[Submission, dict[str, Any]], None] | None = None,
                grade: Callable[..., Any] | None = None,
                ) -> Iterator[dict[str, Any]]:
    """Grade ``submissions``, appending one JSON line per student to ``results``; with
    ``seed``, each student's inputs come from ``student_seed(seed, student)``.
    ``grade(lesson, path, sandbox=..., seed=...)`` grades one file (the engine's
    ``grade_file`` unless given: the fast tests pass a fake). An ambiguous student
    (``Submission.ambiguous``) is not graded: their row says why (status ``ambiguous``;
    not written again while the latest row already says the same). A last line cut short
    by a killed run is mended first (``repair_cut_line``).

    With the engine, ``jobs`` > 1 and at least ``LANES_FROM`` submissions, the gradings
    run in ``jobs`` processes of their own
    (``lanes.py``: the trusted side's work is Python, which threads of one process would
    take turns at), each with one warm worker; otherwise in threads of this process. Each
    grading process's memory is capped ``memory_headroom_mb`` above what it holds once
    loaded (``grading.memory``; None: no cap): a grading that needs more fails alone."""
    from grader.grading.memory import capped_memory  # noqa: PLC0415
    from grader.sandbox import get_backend  # noqa: PLC0415

    lock = threading.Lock()
    ambiguous = [s for s in submissions if s.ambiguous]
    submissions = [s for s in submissions if not s.ambiguous]

    def seed_of(sub: Submission) -> int | None:
        return None if seed is None else student_seed(seed, sub.student)

    def record(row: dict[str, Any]) -> dict[str, Any]:
        with lock, results.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        return row

    lanes: Lanes | None = None
    if grade is None and jobs > 1 and len(submissions) >= LANES_FROM:
        # which sandbox "auto" means, and whether it runs here, found once in this process
        lanes = Lanes(lesson.root, lesson.id, get_backend(sandbox).name, warm,
                      memory_headroom_mb, size=min(jobs, len(submissions)),
                      threads=8 + 16)
    try:
        repair_cut_line(results)  # before anything is appended
        # an ambiguous student: a row saying so (once: not again while nothing changed)
        before = read_latest(results) if ambiguous else {}
        for sub in ambiguous:
            row = failed_row(lesson, sub.student, sub.path, "ambiguous", ambiguous_error(sub))
            row["submission"] = ", ".join(sub.ambiguous)
            last = before.get(sub.student, {})
            if (last.get("status"), last.get("error")) == ("ambiguous", row["error"]):
                row = last
            else:
                record(row)
            if on_done:
                on_done(sub, row)
            yield row
        if not submissions:
            return
        if lanes is None and grade is None:
            from grader.grading.engine import grade_file as grade  # noqa: PLC0415 - torch
        # (one lesson: its workers preload only what its code imports lazily)
        backend = None if lanes is not None else get_backend(
            sandbox, warm=warm, workers=jobs, preload=tuple(lesson.spec.lesson.warm_imports))

        def one(sub: Submission) -> dict[str, Any]:
            if lanes is None:
                return record(grade_row(lesson, sub.student, sub.path, grade, backend,
                                        seed_of(sub), cap))
            try:
                return record(lanes.grade(sub.student, sub.path, seed_of(sub)))
            except LaneDied as e:
                return record(failed_row(lesson, sub.student, sub.path, "grader_error",
                                         str(e)))

        # a grading runs in a pool thread, with a watch, output readers and a worker's
        # threads (in a lane, it caps its own memory: this process only hands out the work)
        headroom = None if lanes is not None else memory_headroom_mb
        with capped_memory(headroom, threads=8 * max(1, jobs) + 16) as cap, \
                ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(one, s): s for s in submissions}
            try:
                for fut in as_completed(futures):
                    row = fut.result()
                    if on_done:
                        on_done(futures[fut], row)
                    yield row
            except BaseException:  # interrupted (Ctrl-C): only the gradings under way end
                pool.shutdown(wait=False, cancel_futures=True)
                raise  # (leaving the pool waits for them: each is written)
    finally:
        if lanes is not None:
            lanes.close()
