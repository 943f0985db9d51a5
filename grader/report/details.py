"""Pieces of a check's feedback shared by the report formats (plain text, no markup).

Every format says the same things about a check that did not pass: the message, the
measured error beside the allowed one, and the known mistake it looks like.
"""

from __future__ import annotations

from grader.results import CheckResult, GradeResult


def measured(check: CheckResult) -> str | None:
    """``measured error 0.5, allowed 1e-05`` (or the accuracy, loss or time measured, against its
    bound) where a check has both numbers."""
    if check.measured is not None and check.limit is not None:
        if check.unit == "accuracy":
            return f"measured accuracy {check.measured:.3f}, required at least {check.limit:.3f}"
        if check.unit == "loss":
            return f"measured loss {check.measured:.3f}, required at most {check.limit:.3f}"
        return f"measured {check.measured:.3g} s, allowed at most {check.limit:.3g} s"
    if check.error is None or check.tolerance is None:
        return None
    return f"measured error {check.error:.3g}, allowed {check.tolerance:.3g}"


def check_lines(check: CheckResult) -> list[str]:
    """The feedback of one check as short paragraphs (empty for a passed check)."""
    if check.status == "passed":
        return []
    lines = [check.message or "(no details)"]
    error = measured(check)
    if error:
        lines.append(error)
    if check.mistake:
        lines.append(f"Looks like: {check.mistake.title}. {check.mistake.message}")
    return lines


def check_text(check: CheckResult) -> str:
    """The feedback of one check on one line, e.g. for an annotation or a failure message."""
    return " — ".join(check_lines(check))


def score_line(result: GradeResult) -> str:
    return (f"Lesson {result.lesson} ({result.title}): {result.score}/{result.max_score} points, "
            f"seed {result.seed} (replay with: grade {result.lesson} --seed {result.seed})")
