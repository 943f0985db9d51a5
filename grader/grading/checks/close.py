"""Closeness and equality of a student's output with the expected output."""

from __future__ import annotations

from grader.course.spec import CloseCheck, EqualCheck, SameCheck
from grader.grading.checks.base import MISSING, CheckContext, Verdict
from grader.grading.compare import compare


def _expected_path(check: CloseCheck | EqualCheck) -> str:
    return check.expected or f"{check.probe}.{check.output}"


def check_close(check: CloseCheck, ctx: CheckContext) -> Verdict:
    actual = ctx.student(check.output)
    if actual is MISSING:
        return Verdict(False, f"no output `{check.output}`", comparable=False)
    c = compare(actual, ctx.expected(_expected_path(check)), check.rtol, check.atol,
                atol_per_step=check.atol_per_step, exact_dtype=check.exact_dtype,
                nonzero_only=check.nonzero_only)
    return Verdict(c.ok, c.message, c.error, c.tolerance)


def check_equal(check: EqualCheck, ctx: CheckContext) -> Verdict:
    actual = ctx.student(check.output)
    if actual is MISSING:
        return Verdict(False, f"no output `{check.output}`", comparable=False)
    c = compare(actual, ctx.expected(_expected_path(check)), 0.0, 0.0)
    return Verdict(c.ok, c.message, c.error, c.tolerance)


def check_same(check: SameCheck, ctx: CheckContext) -> Verdict:
    a, b = ctx.student(check.output), ctx.student(check.other)
    if a is MISSING or b is MISSING:
        return Verdict(False, "an output is missing", comparable=False)
    c = compare(a, b, 0.0, 0.0)
    msg = "" if c.ok else (f"two calls with identically seeded inputs gave different results "
                           f"({c.message})")
    return Verdict(c.ok, msg, comparable=False)
