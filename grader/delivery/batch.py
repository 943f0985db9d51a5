"""Grade a whole class: every submission of a lesson in a folder, in parallel, on warm workers.

Submissions are found as ``DIR/<student>/<stem>.py|.ipynb`` (one folder per student, as
GitHub Classroom and most LMS exports lay them out) or ``DIR/<student>.py|.ipynb``.
Results are appended to a JSON-lines file as each one finishes, so nothing is lost when a
run is interrupted, and a second run skips the students already graded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.course.lessons import Lesson
from grader.errors import GraderError
from grader.grading.submission import SubmissionError, find_submission


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path


def find_submissions(folder: Path, stem: str, *, stubs: Sequence[Path] = (),
                     ) -> tuple[list[Submission], list[str]]:
    """(submissions found, problems: students whose file could not be chosen).

    A student's folder is searched with the one rule of
    ``grader.grading.submission.find_submission`` (subfolders included); a student
    whose folder holds several candidates is listed as a problem, not guessed at."""
    found: list[Submission] = []
    problems: list[str] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            try:
                path = find_submission(entry, stem, stubs=stubs, search_subfolders=True)
            except SubmissionError as e:
                problems.append(f"{entry.name}: {e}")
                continue
            found.append(Submission(entry.name, path))
        elif entry.suffix in (".py", ".ipynb") and entry.is_file():
            found.append(Submission(entry.stem, entry))
    return found, problems


def already_graded(results: Path) -> set[str]:
    """Students with a result in ``results``; a grader error is not a result, so those
    students are graded again on the next run."""
    if not results.is_file():
        return set()
    done = set()
    for line in results.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
            if row.get("status") != "grader_error":
                done.add(row["student"])
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a line cut short by an interruption: graded again
    return done


def grade_batch(lesson: Lesson, submissions: list[Submission], results: Path, *,
                jobs: int = 2, sandbox: str = "auto", warm: bool = True,
                on_done: Callable[[Submission, dict[str, Any]], None] | None = None,
                ) -> Iterator[dict[str, Any]]:
    """Grade ``submissions``, appending one JSON line per student to ``results``."""
    from grader.grading.engine import grade_file  # noqa: PLC0415 - imports torch
    from grader.sandbox import get_backend  # noqa: PLC0415

    backend = get_backend(sandbox, warm=warm, workers=jobs)
    lock = threading.Lock()
    if results.is_file() and results.stat().st_size:
        with results.open("rb+") as f:  # a line cut short by an interruption stays alone
            f.seek(-1, 2)
            if f.read(1) != b"\n":
                f.write(b"\n")

    def one(sub: Submission) -> dict[str, Any]:
        base = {"student": sub.student, "lesson": lesson.id, "submission": sub.path.name,
                "score": 0, "max_score": lesson.spec.max_score}
        try:
            r = grade_file(lesson, sub.path, sandbox=backend)
            row = {"student": sub.student, "status": "graded", **r.model_dump(mode="json")}
            row["graded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        except SubmissionError as e:  # the student's file cannot be read: graded as such
            row = {**base, "status": "unreadable", "error": str(e)}
        except Exception as e:  # noqa: BLE001 - one bad grading must not stop the class
            why = str(e) if isinstance(e, GraderError) else f"{type(e).__name__}: {e}"
            row = {**base, "status": "grader_error",
                   "error": f"the grader failed (not the student's fault): {why}"}
        with lock, results.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        return row

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(one, s): s for s in submissions}
        for fut in as_completed(futures):
            row = fut.result()
            if on_done:
                on_done(futures[fut], row)
            yield row
