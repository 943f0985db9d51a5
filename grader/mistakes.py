"""Recognise known mistakes: a failing output that matches a mistake variant's output.

A variant is the reference with one deliberate error (``reference/<id>/mistakes/``). It
runs on the trusted side on the same inputs; when the student's output equals the
variant's where the variant differs from the reference, the feedback names the mistake.
"Equals" is the check's own notion of sameness: within tolerance for values, exact for
orders and counts, the same answer for a quiz question.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .compare import compare
from .spec import CloseCheck, EqualCheck, Mistake

Same = Callable[[Any, Any], bool]


def same_within(check: CloseCheck | EqualCheck) -> Same:
    """Sameness for a value check: within its tolerance (exactly, for ``equal``)."""
    if isinstance(check, EqualCheck):
        return lambda a, b: compare(a, b, 0.0, 0.0, equal_nan=True).ok
    return lambda a, b: compare(a, b, check.rtol, check.atol, atol_per_step=check.atol_per_step,
                                equal_nan=True).ok


def match_mistake(check_name: str, actual: Any, expected: Any, mistakes: list[Mistake],
                  variant_value: Callable[[str], Any], missing: object,
                  same: Same) -> Mistake | None:
    """The first mistake whose variant reproduces the student's wrong output, if any."""
    for mistake in mistakes:
        if check_name not in mistake.loses:
            continue
        value = variant_value(mistake.id)
        if value is missing:
            continue
        if same(value, expected):
            continue  # the variant does not differ from the reference here
        if same(actual, value):
            return mistake
    return None
