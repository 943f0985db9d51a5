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
from grader.grading.diagnose.base import all_nan
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


def match_mistakes(check_name: str, actual: Any, expected: Any, mistakes: list[Mistake],
                   variant_value: Callable[[str], Any], missing: object,
                   same: Same, passes: Same | None = None) -> list[tuple[Mistake, bool]]:
    """Every mistake one of whose variant files reproduces the student's wrong output (more
    than one when their outputs coincide here: then the evidence fits each equally well),
    each with whether the evidence is weak: an output that is NaN throughout, which any
    blow-up reproduces. ``passes`` (default ``same``) says whether a variant's value would
    pass the check."""
    passes = passes or same
    found: list[tuple[Mistake, bool]] = []
    for mistake in mistakes:
        weak = None
        for stem in mistake.files:
            if check_name not in mistake.loses_of(stem):
                continue
            value = variant_value(stem)
            if value is missing:
                continue
            if passes(value, expected):
                continue  # the variant does not differ from the reference here
            if same(actual, value):
                weak = all_nan(value) if weak is None else weak and all_nan(value)
        if weak is not None:
            found.append((mistake, weak))
    return found


def match_mistake(check_name: str, actual: Any, expected: Any, mistakes: list[Mistake],
                  variant_value: Callable[[str], Any], missing: object,
                  same: Same, passes: Same | None = None) -> Mistake | None:
    """The first mistake whose variant reproduces the student's wrong output, if any."""
    found = match_mistakes(check_name, actual, expected, mistakes, variant_value, missing,
                           same, passes)
    return found[0][0] if found else None


def recognise(check: CloseCheck | EqualCheck | QuizCheck | ProportionCheck, oracle: OracleLike,
              lesson: Lesson, actual: Any, expected: Any,
              probe_id: str | None = None) -> Mistake | None:
    """The first known mistake whose variant gives the student's wrong output ``actual``
    (see ``recognise_all``)."""
    found = recognise_all(check, oracle, lesson, actual, expected, probe_id)
    return found[0][0] if found else None


def recognise_all(check: CloseCheck | EqualCheck | QuizCheck | ProportionCheck,
                  oracle: OracleLike, lesson: Lesson, actual: Any, expected: Any,
                  probe_id: str | None = None) -> list[tuple[Mistake, bool]]:
    """The known mistakes whose variants give the student's wrong output ``actual`` for
    ``check`` (``expected`` is what the reference gives there; for a proportion check, the
    expected probability) on the instance ``probe_id`` of its probe (default: the random
    draw), each with whether the evidence is weak (see ``match_mistakes``)."""
    probe = lesson.spec.probe(probe_id or check.probe)
    mistakes = lesson.spec.mistakes

    def variant_output(stem: str) -> Any:
        outs = oracle.outputs(probe, variant=stem)
        return MISSING if outs is None else at_path(outs, check.output.split("."))

    if isinstance(check, QuizCheck):
        entry = lesson.quiz_key()[check.question]
        return match_mistakes(
            check.name, answer_to(check, actual), entry["answer"], mistakes,
            lambda stem: (MISSING if (v := variant_output(stem)) is MISSING
                          else answer_to(check, v)),
            MISSING, lambda a, b: same_answer(entry, a, b))
    if isinstance(check, ProportionCheck):
        return match_mistakes(check.name, actual, expected, mistakes, variant_output, MISSING,
                              same_proportion(check))
    own = oracle.outputs(probe)
    like = None if own is None else at_path(own, check.output.split("."))
    return match_mistakes(check.name, actual, expected, mistakes, variant_output, MISSING,
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
        for stem in mistake.files:
            if check.name in mistake.loses_of(stem):
                t = oracle.step_time(probe, check.step, variant=stem)
                if t is not None and t > budget:
                    return mistake
    return None


def variant_differs(check: CloseCheck | EqualCheck | QuizCheck, oracle: OracleLike,
                    lesson: Lesson, stem: str, expected: Any) -> bool:
    """Whether variant file ``stem`` gives another output than the reference for ``check``
    (so a student who passes ``check`` does not make that mistake in that form)."""
    probe = lesson.spec.probe(check.probe)
    outs = oracle.outputs(probe, variant=stem)
    if outs is None:
        return True  # the variant fails outright there
    value = at_path(outs, check.output.split("."))
    if isinstance(check, QuizCheck):
        entry = lesson.quiz_key()[check.question]
        return not same_answer(entry, answer_to(check, value), entry["answer"])
    own = oracle.outputs(probe)
    like = None if own is None else at_path(own, check.output.split("."))
    return not passes_check(check, None if like is MISSING else like)(value, expected)
