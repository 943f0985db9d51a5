"""A fixture class for the report tests: result rows as `grade batch` writes them, built
from a small table so the expected statistics can be computed independently."""

from __future__ import annotations

import json
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


def rows() -> list[dict[str, Any]]:
    out = []
    for i, (student, passed) in enumerate(TABLE.items()):
        if passed is None:
            out.append({"student": student, "lesson": "1.2", "submission": "x.py",
                        "score": 0, "max_score": 10, "status": "grader_error",
                        "error": "the grader failed (not the student's fault): boom"})
            continue
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
        out.append({"student": student, "status": "graded", "lesson": "1.2",
                    "title": "Linear regression by hand", "submission": "x.py",
                    "score": score, "max_score": 10, "seed": i, "duration_s": 0.5 + i / 10,
                    "sandbox": "bwrap", "checks": checks,
                    "mistakes": [MISTAKE] if any(c["mistake"] for c in checks) else [],
                    "notes": [], "output": ""})
    return out


def write(path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows()), encoding="utf-8")
    return path
