"""Grade a whole class: every submission of a lesson in a folder, in parallel, on warm workers.

Submissions are found as ``DIR/<student>/<stem>.py|.ipynb`` (one folder per student, as
GitHub Classroom and most LMS exports lay them out) or ``DIR/<student>.py|.ipynb``.
Results are appended to a JSON-lines file as each one finishes, so nothing is lost when a
run is interrupted, and a second run skips the students already graded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.course.lessons import Lesson
from grader.grading.memory import HEADROOM_MB


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path


def find_submissions(folder: Path, stem: str) -> tuple[list[Submission], list[str]]:
    """(submissions found, problems: students whose file could not be chosen)."""
    found: list[Submission] = []
    problems: list[str] = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir():
            files = [entry / f"{stem}{s}" for s in (".py", ".ipynb")]
            files = [f for f in files if f.is_file()]
            if not files:
                files = sorted(p for p in entry.rglob("*") if p.suffix in (".py", ".ipynb")
                               and p.stem == stem and p.is_file())
            if len(files) == 1:
                found.append(Submission(entry.name, files[0]))
            elif files:  # both a .py and a notebook: the one changed last
                found.append(Submission(entry.name,
                                        max(files, key=lambda p: p.stat().st_mtime_ns)))
            else:
                problems.append(f"{entry.name}: no {stem}.py or {stem}.ipynb")
        elif entry.suffix in (".py", ".ipynb") and entry.is_file():
            found.append(Submission(entry.stem, entry))
    return found, problems


def already_graded(results: Path) -> set[str]:
    if not results.is_file():
        return set()
    done = set()
    for line in results.read_text(encoding="utf-8").splitlines():
        try:
            done.add(json.loads(line)["student"])
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by an interruption: graded again
    return done


def grade_batch(lesson: Lesson, submissions: list[Submission], results: Path, *,
                jobs: int = 2, sandbox: str = "auto", warm: bool = True,
                memory_headroom_mb: int | None = HEADROOM_MB,
                on_done: Callable[[Submission, dict[str, Any]], None] | None = None,
                ) -> Iterator[dict[str, Any]]:
    """Grade ``submissions``, appending one JSON line per student to ``results``. While it
    runs, this process's own memory is capped ``memory_headroom_mb`` above what it holds
    once loaded (``grading.memory``; None: no cap): a grading that needs more fails alone."""
    from grader.grading.engine import grade_file  # noqa: PLC0415 - imports torch
    from grader.grading.memory import capped_memory, out_of_memory  # noqa: PLC0415
    from grader.grading.submission import SubmissionError  # noqa: PLC0415
    from grader.sandbox import get_backend  # noqa: PLC0415

    backend = get_backend(sandbox, warm=warm, workers=jobs)
    lock = threading.Lock()
    if results.is_file() and results.stat().st_size:
        with results.open("rb+") as f:  # a line cut short by an interruption stays alone
            f.seek(-1, 2)
            if f.read(1) != b"\n":
                f.write(b"\n")

    def one(sub: Submission) -> dict[str, Any]:
        try:
            r = grade_file(lesson, sub.path, sandbox=backend)
            row = {"student": sub.student, **r.model_dump(mode="json")}
        except SubmissionError as e:
            row = {"student": sub.student, "lesson": lesson.id, "submission": sub.path.name,
                   "score": 0, "max_score": lesson.spec.max_score, "error": str(e)}
        except Exception as e:  # noqa: BLE001 - one bad grading must not stop the class
            why = (f"the grader ran out of memory grading it (its cap: "  # cap: set below
                   f"{(cap or 0) // 2**20} MB); graded nothing" if out_of_memory(e) else
                   f"internal error in the grader: {type(e).__name__}: {e}")
            row = {"student": sub.student, "lesson": lesson.id, "submission": sub.path.name,
                   "score": 0, "max_score": lesson.spec.max_score, "error": why}
        with lock, results.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        return row

    with capped_memory(memory_headroom_mb) as cap, \
            ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(one, s): s for s in submissions}
        for fut in as_completed(futures):
            row = fut.result()
            if on_done:
                on_done(futures[fut], row)
            yield row
