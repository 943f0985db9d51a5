"""One student's row of a batch: their grading's result, or why there is none.

Shared by the batch's threads and its lanes (``lanes.py``): a submission that cannot be
read is graded as such; any other failure is the grader's (``grader_error``: not the
student's fault, graded again by the next run), never a lost point."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.course.lessons import Lesson
from grader.errors import GraderError
from grader.grading.memory import out_of_memory
from grader.grading.submission import SubmissionError


def grade_row(lesson: Lesson, student: str, path: Path, grade: Callable[..., Any],
              backend: Any, seed: int | None, cap: int | None) -> dict[str, Any]:
    """``grade(lesson, path, sandbox=backend, seed=seed)`` as a row of the results file;
    ``cap``: this process's memory cap, named when a grading ran out of it."""
    try:
        r = grade(lesson, path, sandbox=backend, seed=seed)
        row = {"student": student, "status": "graded", **r.model_dump(mode="json")}
    except SubmissionError as e:  # the student's file cannot be read: graded as such
        return failed_row(lesson, student, path, "unreadable", str(e))
    except Exception as e:  # noqa: BLE001 - one bad grading must not stop the class
        why = str(e) if isinstance(e, GraderError) else f"{type(e).__name__}: {e}"
        if out_of_memory(e):
            why = f"it ran out of memory (its own cap: {(cap or 0) // 2**20} MB)"
        return failed_row(lesson, student, path, "grader_error", why)
    return {**row, "graded_at": _now()}


def failed_row(lesson: Lesson, student: str, path: Path, status: str,
               why: str) -> dict[str, Any]:
    """The row of a submission with no result: ``unreadable`` (``why`` is the student's
    to fix), ``ambiguous`` (several submissions for one student, none graded: the
    instructor's to sort out) or ``grader_error`` (the grader's fault, said so)."""
    error = why if status != "grader_error" else \
        f"the grader failed (not the student's fault): {why}"
    return {"student": student, "lesson": lesson.id, "submission": path.name, "score": 0,
            "max_score": lesson.spec.max_score, "status": status, "error": error,
            "graded_at": _now()}


def _now() -> str:
    """When a row was made: `grade report`'s timeline places attempts by it (every row,
    graded or not)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
