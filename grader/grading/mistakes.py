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

from grader.course.lessons import Lesson
from grader.course.spec import CloseCheck, EqualCheck, Mistake, QuizCheck, TimeBudgetCheck
from grader.grading.checks.base import MISSING, at_path
from grader.grading.checks.quiz import answer_to, same_answer
from grader.grading.compare import compare
from grader.grading.diagnose.base import all_nan
from grader.grading.oracle import Oracle, OracleLike

Same = Callable[[Any, Any], bool]


def same_within(check: CloseCheck | EqualCheck) -> Same:
    """Sameness for a value check: within its tolerance (exactly, for ``equal``)."""
    if isinstance(check, EqualCheck):
        return lambda a, b: compare(a, b, 0.0, 0.0, equal_nan=True).ok
    return lambda a, b: compare(a, b, check.rtol, check.atol, atol_per_step=check.atol_per_step,
                                equal_nan=True).ok


def match_mistakes(check_name: str, actual: Any, expected: Any, mistakes: list[Mistake],
                   variant_value: Callable[[str], Any], missing: object,
                   same: Same) -> list[tuple[Mistake, bool]]:
    """Every mistake one of whose variant files reproduces the student's wrong output (more
    than one when their outputs coincide here: then the evidence fits each equally well),
    each with whether the evidence is weak: an output that is NaN throughout, which any
    blow-up reproduces."""
    found: list[tuple[Mistake, bool]] = []
    for mistake in mistakes:
        weak = None
        for stem in mistake.files:
            if check_name not in mistake.loses_of(stem):
                continue
            value = variant_value(stem)
            if value is missing:
                continue
            if same(value, expected):
                continue  # the variant does not differ from the reference here
            if same(actual, value):
                weak = all_nan(value) if weak is None else weak and all_nan(value)
        if weak is not None:
            found.append((mistake, weak))
    return found


def match_mistake(check_name: str, actual: Any, expected: Any, mistakes: list[Mistake],
                  variant_value: Callable[[str], Any], missing: object,
                  same: Same) -> Mistake | None:
    """The first mistake whose variant reproduces the student's wrong output, if any."""
    found = match_mistakes(check_name, actual, expected, mistakes, variant_value, missing, same)
    return found[0][0] if found else None


def recognise(check: CloseCheck | EqualCheck | QuizCheck, oracle: OracleLike, lesson: Lesson,
              actual: Any, expected: Any) -> list[tuple[Mistake, bool]]:
    """The known mistakes whose variants give the student's wrong output ``actual`` for
    ``check`` (``expected`` is what the reference gives there), each with whether the
    evidence is weak (see ``match_mistakes``)."""
    probe = lesson.spec.probe(check.probe)
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
    return match_mistakes(check.name, actual, expected, mistakes, variant_output, MISSING,
                          same_within(check))


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
    outs = oracle.outputs(lesson.spec.probe(check.probe), variant=stem)
    if outs is None:
        return True  # the variant fails outright there
    value = at_path(outs, check.output.split("."))
    if isinstance(check, QuizCheck):
        entry = lesson.quiz_key()[check.question]
        return not same_answer(entry, answer_to(check, value), entry["answer"])
    return not same_within(check)(value, expected)
