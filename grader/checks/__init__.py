"""Check kinds: each module evaluates one kind of check; this registry maps kind -> function.

A check kind is written once here and configured by lesson specs.
"""

from __future__ import annotations

from collections.abc import Callable

from ..results import CheckResult
from .accuracy import check_accuracy
from .base import CheckContext, Verdict
from .close import check_close, check_equal, check_same
from .proportion import check_proportion
from .quiz import check_quiz
from .sequence import check_nonincreasing
from .timing import check_time_budget

EVALUATORS: dict[str, Callable[..., Verdict]] = {
    "close": check_close,
    "equal": check_equal,
    "same": check_same,
    "nonincreasing": check_nonincreasing,
    "accuracy": check_accuracy,
    "quiz": check_quiz,
    "time_budget": check_time_budget,
    "proportion": check_proportion,
}

__all__ = ["EVALUATORS", "CheckContext", "CheckResult", "Verdict"]
