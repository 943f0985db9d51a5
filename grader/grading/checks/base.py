"""What a check kind receives and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.course.lessons import Lesson
from grader.harness.values import Unsupported


@dataclass
class Verdict:
    passed: bool
    message: str = ""
    error: float | None = None  # measured |difference| from the expected value
    tolerance: float | None = None  # the allowed |difference| there
    measured: float | None = None  # another quantity the check measured (see ``unit``)
    limit: float | None = None  # the bound ``measured`` had to meet
    unit: str | None = None  # what ``measured`` is: "accuracy" (at least), "loss" or "seconds"
    # (at most)
    comparable: bool = True  # a value was compared, so a known mistake may match it


@dataclass
class CheckContext:
    lesson: Lesson
    student: Callable[[str], Any]  # output path -> the student's decoded value
    expected: Callable[[str], Any]  # "<probe>.<path>" -> the expected decoded value
    reference_module: Callable[[], Any]
    student_step_time: Callable[[int], float | None] = lambda _i: None
    reference_step_time: Callable[[str, int], float | None] = lambda _p, _i: None
    # a timed run's output (at a path): None when it computes what the main run computed
    # (the reference's function, or the known mistake the main run matched), else why not
    timed_result: Callable[[str], str | None] = lambda _p: None


MISSING = object()


def at_path(value: Any, path: list[str]) -> Any:
    """Follow a dotted path into nested dicts / lists; MISSING if it is not there. An
    unsupported value on the way (a checkpoint that could not be loaded safely) is returned
    itself, so that the check can say what it was."""
    for part in path:
        if isinstance(value, Unsupported):
            return value
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, (list, tuple)) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value
