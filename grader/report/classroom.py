"""GitHub Classroom: the ``result`` a runner step hands to the grading reporter.

The reporter (``classroom-resources/autograding-grading-reporter``) reads, for each runner
step id in its ``runners`` input, the environment variable ``<ID>_RESULTS`` (the id in
capitals), base64-decodes it and parses the JSON that the runners
(``autograding-command-grader``, ``autograding-io-grader``) produce::

    {"version": 1, "status": "pass" | "fail" | "error", "max_score": int,
     "tests": [{"name", "status", "score", "message", "test_code", "filename",
                "line_no", "duration"}]}

Classroom's grade is the ``Points total/max`` notice the reporter posts: the sum of the
tests' ``score`` over the sum of the runners' ``max_score``. Here one test is one check
and its score its (integer) points, so the grade is exactly the lesson's score. (The
reporter's console table divides ``max_score`` by the share of tests passed instead; the
notice is what Classroom records.) ``line_no`` is 0 so the reporter prints no line number.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Literal

from grader.report.details import check_text
from grader.results import GradeResult

ClassroomStatus = Literal["pass", "fail", "error"]
_STATUS: dict[str, ClassroomStatus] = {"passed": "pass", "failed": "fail", "error": "error",
                                       "timeout": "error"}


def classroom_result(result: GradeResult) -> dict[str, Any]:
    """The runner result of one graded lesson."""
    tests = [{"name": c.name, "status": _STATUS[c.status], "score": c.points,
              "message": check_text(c) if c.status != "passed" else "",
              "test_code": "", "filename": result.submission, "line_no": 0, "duration": 0}
             for c in result.checks]
    status: ClassroomStatus = "pass" if all(c.status == "passed" for c in result.checks) \
        else "fail"
    return {"version": 1, "status": status, "max_score": result.max_score, "tests": tests}


def classroom_error(checks: list[tuple[str, int]], message: str) -> dict[str, Any]:
    """The runner result of a lesson that could not be graded: every check at 0, ``error``."""
    return {"version": 1, "status": "error", "max_score": sum(p for _, p in checks),
            "tests": [{"name": name, "status": "error", "score": 0, "message": message,
                       "test_code": "", "filename": "", "line_no": 0, "duration": 0}
                      for name, _ in checks]}


def render_classroom(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def output_line(data: dict[str, Any]) -> str:
    """``result=<base64 JSON>``, the line appended to ``$GITHUB_OUTPUT``."""
    encoded = base64.b64encode(json.dumps(data).encode("utf-8")).decode("ascii")
    return f"result={encoded}\n"
