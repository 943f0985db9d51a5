"""Closeness and equality of a student's output with the expected output."""

from __future__ import annotations

from typing import Any

from grader.course.spec import CloseCheck, EqualCheck, SameCheck
from grader.grading.checks.base import MISSING, CheckContext, Verdict
from grader.grading.compare import compare


def _expected_path(check: CloseCheck | EqualCheck) -> str:
    return check.expected or f"{check.probe}.{check.output}"


def _like(check: CloseCheck | EqualCheck, ctx: CheckContext) -> Any:
    """What the reference returns for this very output: its dtypes are the contract, even
    when the values to match come from another oracle (``expected = "lstsq.w"``)."""
    own = f"{check.probe}.{check.output}"
    if check.expected is None or check.expected == own:
        return ctx.expected(own)
    like = ctx.expected(own)
    return like if like is not MISSING else ctx.expected(_expected_path(check))


def check_close(check: CloseCheck, ctx: CheckContext) -> Verdict:
    actual = ctx.student(check.output)
    if actual is MISSING:
        return Verdict(False, f"no output `{check.output}`", comparable=False)
    c = compare(actual, ctx.expected(_expected_path(check)), check.rtol, check.atol,
                atol_per_step=check.atol_per_step, exact_dtype=check.exact_dtype,
                like=_like(check, ctx), nonzero_only=check.nonzero_only)
    return Verdict(c.ok, c.message, c.error, c.tolerance)


def check_equal(check: EqualCheck, ctx: CheckContext) -> Verdict:
    actual = ctx.student(check.output)
    if actual is MISSING:
        return Verdict(False, f"no output `{check.output}`", comparable=False)
    c = compare(actual, ctx.expected(_expected_path(check)), 0.0, 0.0,
                exact_dtype=check.exact_dtype, like=_like(check, ctx))
    return Verdict(c.ok, c.message, c.error, c.tolerance)


def check_same(check: SameCheck, ctx: CheckContext) -> Verdict:
    a, b = ctx.student(check.output), ctx.student(check.other)
    if a is MISSING or b is MISSING:
        return Verdict(False, "an output is missing", comparable=False)
    c = compare(a, b, 0.0, 0.0, dtypes=False)
    # (what the two runs are, and why they must agree, is the check's name and hint: two
    # calls seeded alike, a resumed run and an uninterrupted one, ...)
    msg = "" if c.ok else (f"`{check.output}` and `{check.other}` should be identical but "
                           f"differ ({c.message})")
    return Verdict(c.ok, msg, comparable=False)
