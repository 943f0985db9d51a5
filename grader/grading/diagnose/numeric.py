"""Numerically unsafe formulas: values that are right wherever they are finite, and NaN or
inf where the expected value is finite (an intermediate overflowed: exp of a large number,
inf / inf, 0 * inf, a log of 0)."""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.course.spec import NonfiniteDiagnoser
from grader.grading.checks.base import MISSING
from grader.grading.diagnose.base import DiagnoseContext, Hit, is_number


def _patched(a: Any, e: Any, counts: list[int]) -> Any:
    """``a`` with its non-finite entries replaced by ``e``'s where ``e``'s are finite;
    ``counts`` gathers [entries replaced, finite entries left to compare]."""
    if isinstance(a, torch.Tensor) and isinstance(e, torch.Tensor):
        if a.shape != e.shape or not (a.is_floating_point() and e.is_floating_point()):
            return a
        bad = ~torch.isfinite(a) & torch.isfinite(e)
        counts[0] += int(bad.sum())
        counts[1] += int((torch.isfinite(a) & torch.isfinite(e)).sum())
        return torch.where(bad, e.to(a.dtype), a)
    if is_number(a) and is_number(e):
        if not math.isfinite(a) and math.isfinite(e):
            counts[0] += 1
            return e
        counts[1] += math.isfinite(a) and math.isfinite(e)
        return a
    if isinstance(a, (list, tuple)) and isinstance(e, (list, tuple)) and len(a) == len(e):
        return type(a)(_patched(x, y, counts) for x, y in zip(a, e, strict=True))
    if isinstance(a, dict) and isinstance(e, dict) and set(a) == set(e):
        return {k: _patched(a[k], e[k], counts) for k in a}
    return a


def nonfinite(_d: NonfiniteDiagnoser, ctx: DiagnoseContext) -> Hit | None:
    if ctx.actual is MISSING:
        return None
    counts = [0, 0]
    patched = _patched(ctx.actual, ctx.expected, counts)
    replaced, finite = counts
    # some entries overflowed and every other one is right: a formula that is right on
    # paper, broken by its range (an output with no finite entry to compare says nothing)
    if replaced == 0 or finite == 0 or not ctx.same(patched, ctx.expected):
        return None
    return Hit("not_finite", "NaN or inf where the answer is finite",
               "Your values are right wherever they are finite, but NaN or inf where the "
               "answer is an ordinary number: an intermediate result left the dtype's range "
               "(exp of a large number is inf, and inf / inf, inf - inf or 0 * inf is NaN; "
               "log(0) is -inf). Rewrite the formula so that no intermediate can overflow: "
               "exp only of non-positive numbers, subtract the maximum first, use the "
               "symmetric form for the other sign.",
               f"{replaced} entries are NaN or inf where the expected ones are finite; the "
               f"other {finite} are right")
