"""Recognise known mistakes: a failing output that matches a mistake variant's output.

A variant is the reference with one deliberate error (``reference/<id>/mistakes/``). It
runs on the trusted side on the same inputs; when the student's output equals the
variant's (within the check's tolerance) where the variant differs from the reference,
the feedback names the mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .compare import compare
from .spec import CloseCheck, EqualCheck, Mistake


def match_mistake(check: CloseCheck | EqualCheck, actual: Any, expected: Any,
                  mistakes: list[Mistake], variant_value: Callable[[str], Any],
                  missing: object) -> Mistake | None:
    """The first mistake whose variant reproduces the student's wrong output, if any."""
    rtol = 0.0 if isinstance(check, EqualCheck) else check.rtol
    atol = 0.0 if isinstance(check, EqualCheck) else check.atol
    for mistake in mistakes:
        if check.name not in mistake.loses:
            continue
        value = variant_value(mistake.id)
        if value is missing:
            continue
        if compare(value, expected, rtol, atol, equal_nan=True).ok:
            continue  # the variant does not differ from the reference here
        if compare(actual, value, rtol, atol, equal_nan=True).ok:
            return mistake
    return None
