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

from grader.course.lessons import Lesson
from grader.course.spec import (
    CloseCheck,
    EqualCheck,
    Mistake,
    ProportionCheck,
    QuizCheck,
    TimeBudgetCheck,
)
from grader.grading.checks.base import MISSING, at_path
from grader.grading.checks.proportion import binomial_acceptance, proportions_agree, successes
from grader.grading.checks.quiz import answer_to, same_answer
from grader.grading.compare import compare
from grader.grading.oracle import Oracle, OracleLike

Same = Callable[[Any, Any], bool]


def same_within(check: CloseCheck | EqualCheck) -> Same:
    """Sameness for a value check: within its tolerance (exactly, for ``equal``), values
    only (the dtype rule is the check's own business, not the mistake's)."""
    if isinstance(check, EqualCheck):
        return lambda a, b: compare(a, b, 0.0, 0.0, equal_nan=True, dtypes=False).ok
    return lambda a, b: compare(a, b, check.rtol, check.atol, atol_per_step=check.atol_per_step,
                                equal_nan=True, nonzero_only=check.nonzero_only,
                                dtypes=False).ok


def passes_check(check: CloseCheck | EqualCheck, like: Any = None) -> Same:
    """Whether a value passes ``check`` against an expected one, dtype rule included (a
    variant that differs from the reference only in its dtype differs all the same)."""
    extra: dict[str, Any] = {} if like is None else {"like": like}
    if isinstance(check, EqualCheck):
        return lambda a, b: compare(a, b, 0.0, 0.0, equal_nan=True,
                                    exact_dtype=check.exact_dtype, **extra).ok
    return lambda a, b: compare(a, b, check.rtol, check.atol, atol_per_step=check.atol_per_step,
                                exact_dtype=check.exact_dtype, equal_nan=True,
                                nonzero_only=check.nonzero_only, **extra).ok


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
                  same: Same, passes: Same | None = None) -> Mistake | None:
    """The first mistake whose variant reproduces the student's wrong output, if any.
    ``passes`` (default ``same``) says whether a variant's value would pass the check."""
    passes = passes or same
    for mistake in mistakes:
        if check_name not in mistake.loses:
            continue
        value = variant_value(mistake.id)
        if value is missing:
            continue
        if passes(value, expected):
            continue  # the variant does not differ from the reference here
        if same(actual, value):
            return mistake
    return None


def recognise(check: CloseCheck | EqualCheck | QuizCheck | ProportionCheck, oracle: OracleLike,
              lesson: Lesson, actual: Any, expected: Any,
              probe_id: str | None = None) -> Mistake | None:
    """The known mistake whose variant gives the student's wrong output ``actual`` for
    ``check`` (``expected`` is what the reference gives there; for a proportion check, the
    expected probability) on the instance ``probe_id`` of its probe (default: the random
    draw)."""
    probe = lesson.spec.probe(probe_id or check.probe)
    mistakes = lesson.spec.mistakes

    def variant_output(mid: str) -> Any:
        outs = oracle.outputs(probe, variant=mid)
        return MISSING if outs is None else at_path(outs, check.output.split("."))

    if isinstance(check, QuizCheck):
        entry = lesson.quiz_key()[check.question]
        return match_mistake(
            check.name, answer_to(check, actual), entry["answer"], mistakes,
            lambda mid: (MISSING if (v := variant_output(mid)) is MISSING
                         else answer_to(check, v)),
            MISSING, lambda a, b: same_answer(entry, a, b))
    if isinstance(check, ProportionCheck):
        return match_mistake(check.name, actual, expected, mistakes, variant_output, MISSING,
                             same_proportion(check))
    own = oracle.outputs(probe)
    like = None if own is None else at_path(own, check.output.split("."))
    return match_mistake(check.name, actual, expected, mistakes, variant_output, MISSING,
                         same_within(check),
                         passes_check(check, None if like is MISSING else like))


def recognise_slow(check: TimeBudgetCheck, oracle: OracleLike, lesson: Lesson,
                   budget: float) -> Mistake | None:
    """The known mistake whose variant, timed here, is over the same budget (a Python loop
    where a vectorised expression belongs)."""
    if not isinstance(oracle, Oracle):
        return None
    probe = lesson.spec.probe(check.probe)
    for mistake in lesson.spec.mistakes:
        if check.name in mistake.loses:
            t = oracle.step_time(probe, check.step, variant=mistake.id)
            if t is not None and t > budget:
                return mistake
    return None
