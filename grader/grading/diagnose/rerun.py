"""Hyperparameters swapped or complemented, a learning rate doubled or halved, a count one
short: the reference re-run on the trusted side with some inputs replaced (expressions
over the inputs and dims, declared in the spec) gives exactly the student's output."""

from __future__ import annotations

from grader.course.spec import RerunDiagnoser
from grader.grading.checks.base import MISSING
from grader.grading.diagnose.base import DiagnoseContext, Hit


def rerun(d: RerunDiagnoser, ctx: DiagnoseContext) -> Hit | None:
    if ctx.rerun is None or ctx.actual is MISSING:
        return None  # no reference here (a student release)
    candidate = ctx.rerun(d.replace)
    if candidate is MISSING or ctx.same(candidate, ctx.expected) \
            or not ctx.same(ctx.actual, candidate):
        return None
    said = ", ".join(f"{k} = {v}" for k, v in d.replace.items())
    # the naming always comes from the spec (a rerun diagnoser must be named)
    return Hit("rerun", "", "", f"your output is the reference's with {said}")
