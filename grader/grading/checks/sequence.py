"""Properties of a sequence of numbers (a loss history that must not go up)."""

from __future__ import annotations

import math

import torch

from grader.course.spec import MonotoneCheck
from grader.grading.checks.base import MISSING, CheckContext, Verdict


def check_nonincreasing(check: MonotoneCheck, ctx: CheckContext) -> Verdict:
    value = ctx.student(check.output)
    if isinstance(value, torch.Tensor) and value.dim() == 1:
        xs = [float(x) for x in value.tolist()]
    elif isinstance(value, (list, tuple)) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
        xs = [float(x) for x in value]
    elif value is MISSING:
        return Verdict(False, f"no output `{check.output}`", comparable=False)
    else:
        return Verdict(False, "expected a sequence of numbers", comparable=False)
    if not xs:
        return Verdict(False, "the sequence is empty", comparable=False)
    for i, x in enumerate(xs):
        if not math.isfinite(x):
            return Verdict(False, f"value {i} is {x}: the loss blew up", comparable=False)
    for i in range(1, len(xs)):
        if xs[i] > xs[i - 1] + check.slack * max(abs(xs[i - 1]), 1e-12):
            return Verdict(False, f"it went up at step {i}: {xs[i - 1]:.6g} -> {xs[i]:.6g}",
                           error=xs[i] - xs[i - 1], comparable=False)
    return Verdict(True, comparable=False)
