"""A fixture class for the report tests: result rows as `grade batch` writes them, built
from a small table so the expected statistics can be computed independently."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

CHECKS = [("predict: values", 2), ("mse_loss: value", 3), ("fit: loss history", 5)]
MISTAKE = {"id": "sum_instead_of_mean", "title": "Sum instead of mean",
           "message": "The loss is the mean of the squared errors."}

# student -> which checks passed (1/0), in CHECKS order; None = not graded
TABLE: dict[str, tuple[int, int, int] | None] = {
    "ada": (1, 1, 1), "ben": (1, 1, 0), "cy": (1, 0, 0), "dee": (0, 0, 0),
    "eve": (1, 1, 1), "fay": (1, 0, 1), "gus": (1, 1, 1), "hal": (0, 1, 0),
    "ivy": (1, 1, 0), "jon": None,
}


def graded_row(student: str, passed: tuple[int, int, int], seed: int) -> dict[str, Any]:
    """A graded row of ``student`` who passed the checks marked 1 in ``passed``."""
    checks = []
    for (name, pts), ok in zip(CHECKS, passed, strict=True):
        c = {"name": name, "points": pts if ok else 0, "max_points": pts,
             "status": "passed" if ok else "failed", "message": "" if ok else "wrong",
             "error": None, "tolerance": None, "mistake": None}
        if not ok and name == "mse_loss: value" and student in ("cy", "dee"):
            c["mistake"] = MISTAKE
        if not ok and name == "fit: loss history" and student == "hal":
            c["status"] = "timeout"
        checks.append(c)
    score = sum(c["points"] for c in checks)
    return {"student": student, "status": "graded", "lesson": "1.2",
            "title": "Linear regression by hand", "submission": "x.py",
            "score": score, "max_score": 10, "seed": seed, "duration_s": 0.5 + seed / 10,
            "sandbox": "bwrap", "checks": checks,
            "mistakes": [MISTAKE] if any(c["mistake"] for c in checks) else [],
            "notes": [], "output": ""}


def rows() -> list[dict[str, Any]]:
    out = []
    for i, (student, passed) in enumerate(TABLE.items()):
        if passed is None:
            out.append({"student": student, "lesson": "1.2", "submission": "x.py",
                        "score": 0, "max_score": 10, "status": "grader_error",
                        "error": "the grader failed (not the student's fault): boom"})
            continue
        out.append(graded_row(student, passed, i))
    return out


# Several attempts, as the service keeps them: each student's first attempt (TABLE) is made
# FIRST_AT[student] hours after START, then the RETRIES, in the order they were made.
START = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
FIRST_AT: dict[str, float] = {"ada": 0.0, "ben": 0.5, "cy": 1.0, "dee": 2.25, "eve": 3.0,
                              "fay": 5.0, "gus": 20.0, "hal": 23.0, "ivy": 26.0, "jon": 26.2}
RETRIES: list[tuple[str, float, tuple[int, int, int]]] = [
    ("cy", 27.0, (1, 1, 0)), ("dee", 28.0, (1, 0, 0)), ("jon", 30.0, (1, 1, 0)),
    ("dee", 49.0, (1, 1, 1)), ("hal", 52.0, (0, 0, 0)), ("cy", 75.5, (1, 1, 1)),
]


def at(hours: float) -> str:
    return (START + timedelta(hours=hours)).isoformat()


def attempt_rows() -> list[dict[str, Any]]:
    """The class with several attempts: TABLE's rows as first attempts, then RETRIES; each
    row carries ``submitted_at`` (and ``graded_at`` a minute later), in submission order."""
    out = []
    for r in rows():
        t = FIRST_AT[r["student"]]
        out.append({**r, "submitted_at": at(t), "graded_at": at(t + 1 / 60)})
    for n, (student, t, passed) in enumerate(RETRIES):
        out.append({**graded_row(student, passed, 100 + n), "submitted_at": at(t),
                    "graded_at": at(t + 1 / 60)})
    return sorted(out, key=lambda r: r["submitted_at"])


def write(path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows()), encoding="utf-8")
    return path
