"""Time budgets: a correct but much slower step (a Python double loop) loses these points.

The student's time is the CPU time of the probe's timed run, on fresh inputs, measured by
the kernel's accounting from a supervisor that never loads the submission
(``grader/harness/timed.py``); the reference's is measured on the trusted side, in the same
grading, so the ratio holds on slow and fast machines alike. The timed run must compute
what the graded run computed (the reference's function, or the known mistake the graded run
was recognised as) on its own inputs, so a fast wrong answer earns nothing.
"""

from __future__ import annotations

from grader.course.spec import TimeBudgetCheck
from grader.grading.checks.base import MISSING, CheckContext, Verdict


def check_time_budget(check: TimeBudgetCheck, ctx: CheckContext) -> Verdict:
    if ctx.student(check.output) is MISSING:
        return Verdict(False, f"the timed run returned no `{check.output}`", comparable=False)
    differs = ctx.timed_result(check.output)
    if differs:
        return Verdict(False, "the timed run (on fresh inputs) did not compute what the "
                              f"graded run did: {differs}", comparable=False)
    student_s = ctx.student_step_time(check.step)
    reference_s = ctx.reference_step_time(check.probe, check.step)
    if student_s is None or reference_s is None:
        return Verdict(False, "no timing was recorded (the timed run did not end cleanly)",
                       comparable=False)
    budget = max(check.min_seconds, check.max_ratio * reference_s)
    ok = student_s <= budget
    msg = (f"took {student_s:.3f} s of CPU, within the budget of {budget:.3f} s" if ok else
           f"took {student_s:.3f} s of CPU, over the budget of {budget:.3f} s "
           f"({student_s / max(reference_s, 1e-9):.0f}x the reference)")
    return Verdict(ok, msg, measured=student_s, limit=budget, unit="seconds",
                   comparable=False)
