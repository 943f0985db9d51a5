"""Check kinds: each module evaluates one kind of check; this registry maps kind -> function.

A check kind is written once here and configured by lesson specs.
"""

from __future__ import annotations

from collections.abc import Callable

from grader.grading.checks.accuracy import check_accuracy, check_held_out_loss
from grader.grading.checks.base import CheckContext, Verdict
from grader.grading.checks.close import check_close, check_equal, check_same
from grader.grading.checks.proportion import check_proportion
from grader.grading.checks.quiz import check_quiz
from grader.grading.checks.sequence import check_nonincreasing
from grader.grading.checks.timing import check_time_budget
from grader.results import CheckResult

EVALUATORS: dict[str, Callable[..., Verdict]] = {
    "close": check_close,
    "equal": check_equal,
    "same": check_same,
    "nonincreasing": check_nonincreasing,
    "accuracy": check_accuracy,
    "held_out_loss": check_held_out_loss,
    "quiz": check_quiz,
    "time_budget": check_time_budget,
    "proportion": check_proportion,
}

__all__ = ["EVALUATORS", "CheckContext", "CheckResult", "Verdict"]
