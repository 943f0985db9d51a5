"""Gradescope's ``results.json``: one test per check, its visibility taken from the spec.

The fields follow Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format"):
top level ``score``, ``execution_time`` (seconds), ``output``, ``output_format`` and
``tests``; each test ``name``, ``score``, ``max_score``, ``status`` (``passed`` /
``failed``), ``output``, ``output_format`` and ``visibility`` (``visible``,
``after_due_date``, ``after_published`` or ``hidden``). Outputs are Markdown (``md``).

A check's feedback (and the known mistake it names) goes only into that check's test, so a
hidden check reveals nothing through the submission-wide ``output``. Each lesson's output
says which sandbox ran and how it was isolated; a grading that was not isolated (student
code could read the reference) also gets a hidden, 0-point test that only instructors see,
``ISOLATION_TEST``, saying so.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from grader.report.details import measured, score_line
from grader.results import GradeResult

ISOLATION_TEST = "Autograder: grading was NOT isolated (instructors only)"
Visibility = Literal["visible", "after_due_date", "after_published", "hidden"]
OutputFormat = Literal["text", "html", "simple_format", "md", "ansi"]


class GradescopeTest(BaseModel):
    """One entry of ``tests``: one check of one lesson."""

    model_config = ConfigDict(extra="forbid")

    name: str
    score: int
    max_score: int
    status: Literal["passed", "failed"]
    output: str
    output_format: OutputFormat = "md"
    visibility: Visibility = "visible"


class GradescopeResults(BaseModel):
    """The whole ``results.json``."""

    model_config = ConfigDict(extra="forbid")

    score: int
    execution_time: int
    output: str
    output_format: OutputFormat = "md"
    tests: list[GradescopeTest]


def md_escape(text: str) -> str:
    """Text safe to place in Markdown: no HTML tags from messages or student output."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_code_block(text: str) -> str:
    """A fenced block that ``text`` cannot close early (the fence outgrows any backtick run)."""
    run = best = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        best = max(best, run)
    fence = "`" * max(3, best + 1)
    return f"{fence}text\n{text}\n{fence}"


def test_output(result: GradeResult, index: int) -> str:
    """Markdown feedback of the ``index``-th check (why it failed, the mistake it looks like)."""
    check = result.checks[index]
    if check.status == "passed":
        return f"Passed ({check.points}/{check.max_points})."
    label = {"failed": "Failed", "error": "Error", "timeout": "Timed out"}[check.status]
    parts = [f"**{label}** ({check.points}/{check.max_points}): "
             + md_escape(check.message or "(no details)")]
    error = measured(check)
    if error:
        parts.append(f"_{error}_")
    if check.mistake is not None:
        parts.append(f"**Looks like: {md_escape(check.mistake.title)}.** "
                     f"{md_escape(check.mistake.message)}")
    return "\n\n".join(parts)


def lesson_tests(result: GradeResult, visibility: Mapping[str, str],
                 prefix: str = "") -> list[GradescopeTest]:
    """One test per check; ``visibility`` maps a check name to its spec's visibility."""
    return [GradescopeTest(name=prefix + c.name, score=c.points, max_score=c.max_points,
                           status="passed" if c.status == "passed" else "failed",
                           output=test_output(result, i),
                           visibility=visibility.get(c.name, "visible"))  # type: ignore[arg-type]
            for i, c in enumerate(result.checks)]


def lesson_output(result: GradeResult) -> str:
    """Submission-wide Markdown for one lesson: the score, notes and what the program printed.

    Per-check details stay in the tests (whose visibility the spec sets).
    """
    parts = [f"**{md_escape(score_line(result))}**"]
    if result.isolation:
        parts.append(f"Sandbox: {md_escape(result.isolation)}")
    parts += [f"- note: {md_escape(n)}" for n in result.notes]
    if result.output.strip():
        parts.append("Your program printed:\n\n" + md_code_block(result.output))
    return "\n\n".join(parts)


def not_graded_tests(checks: list[tuple[str, int, str]], reason: str,
                     prefix: str = "") -> list[GradescopeTest]:
    """Tests at 0 points for a lesson that could not be graded (``checks``: name, points,
    visibility)."""
    return [GradescopeTest(name=prefix + name, score=0, max_score=points, status="failed",
                           output=f"**Not graded**: {md_escape(reason)}",
                           visibility=vis)  # type: ignore[arg-type]
            for name, points, vis in checks]


def isolation_test(warnings: list[str]) -> GradescopeTest | None:
    """A hidden 0-point test (instructors see it, students do not) when any grading of this
    submission ran unisolated, with why; None when all were isolated."""
    if not warnings:
        return None
    text = "\n\n".join(f"- {md_escape(w)}" for w in dict.fromkeys(warnings))
    return GradescopeTest(
        name=ISOLATION_TEST, score=0, max_score=0, status="failed", visibility="hidden",
        output="**The submission's code ran where it could read what it must not** (scores "
               "from such a run cannot be trusted):\n\n" + text)


def results_of(tests: list[GradescopeTest], outputs: list[str],
               execution_time_s: float) -> GradescopeResults:
    """The whole results file: the score is the sum of the tests' (integer) points."""
    return GradescopeResults(score=sum(t.score for t in tests),
                             execution_time=max(0, round(execution_time_s)),
                             output="\n\n---\n\n".join(outputs), tests=tests)


def render_gradescope(result: GradeResult, visibility: Mapping[str, str]) -> str:
    """``grade LESSON --format gradescope``: the results.json Gradescope would get."""
    tests = lesson_tests(result, visibility)
    warning = isolation_test([result.isolation_warning] if result.isolation_warning else [])
    data = results_of(tests + ([warning] if warning else []), [lesson_output(result)],
                      result.duration_s)
    return data.model_dump_json(indent=2)


def write_results(path: Path, results: GradescopeResults) -> None:
    """Write ``results.json`` once: a temporary file beside it, then an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(results.model_dump(), indent=2) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
