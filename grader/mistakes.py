"""Recognise known mistakes: a failing output that matches a mistake variant's output.

A variant is the reference with one deliberate error (``reference/<id>/mistakes/``). It
runs on the trusted side on the same inputs; when the student's output equals the
variant's where the variant differs from the reference, the feedback names the mistake.
"Equals" is the check's own notion of sameness: within tolerance for values, exact for
orders and counts, the same answer for a quiz question, and for a proportion, counts that a
two-sample test cannot tell apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .checks.proportion import binomial_acceptance, proportions_agree, successes
from .compare import compare
from .spec import CloseCheck, EqualCheck, Mistake, ProportionCheck

Same = Callable[[Any, Any], bool]


def same_within(check: CloseCheck | EqualCheck) -> Same:
    """Sameness for a value check: within its tolerance (exactly, for ``equal``)."""
    if isinstance(check, EqualCheck):
        return lambda a, b: compare(a, b, 0.0, 0.0, equal_nan=True).ok
    return lambda a, b: compare(a, b, check.rtol, check.atol, atol_per_step=check.atol_per_step,
                                equal_nan=True, nonzero_only=check.nonzero_only).ok


def same_proportion(check: ProportionCheck) -> Same:
    """Sameness for a proportion check. An output and a probability are the same when the
    output's count is accepted for that probability; two outputs are the same when their
    fractions agree within the two-sample bound at the check's false-failure rate (both drawn
    with one probability, they disagree with at most that probability)."""
    def same(a: Any, b: Any) -> bool:
        ca = successes(a, check.count)
        if isinstance(ca, str):
            return False
        if isinstance(b, torch.Tensor):
            cb = successes(b, check.count)
            return not isinstance(cb, str) and proportions_agree(*ca, *cb,
                                                                 check.false_failure_rate)
        if isinstance(b, bool) or not isinstance(b, (int, float)):
            return False
        lo, hi = binomial_acceptance(ca[1], float(b), check.false_failure_rate)
        return lo <= ca[0] <= hi
    return same


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
