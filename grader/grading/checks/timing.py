"""Time budgets: a correct but much slower step (a Python double loop) loses these points.

The student's step time is measured in the sandbox; the reference's on the trusted side,
in the same run, so the ratio holds on slow and fast machines alike.
"""

from __future__ import annotations

from grader.course.spec import TimeBudgetCheck
from grader.grading.checks.base import CheckContext, Verdict


def check_time_budget(check: TimeBudgetCheck, ctx: CheckContext) -> Verdict:
    student_s = ctx.student_step_time(check.step)
    reference_s = ctx.reference_step_time(check.probe, check.step)
    if student_s is None or reference_s is None:
        return Verdict(False, "no timing was recorded", comparable=False)
    budget = max(check.min_seconds, check.max_ratio * reference_s)
    ok = student_s <= budget
    msg = (f"took {student_s:.3f} s, within the budget of {budget:.3f} s" if ok else
           f"took {student_s:.3f} s, over the budget of {budget:.3f} s "
           f"({student_s / max(reference_s, 1e-9):.0f}x the reference)")
    return Verdict(ok, msg, measured=student_s, limit=budget, unit="seconds",
                   comparable=False)
