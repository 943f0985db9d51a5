"""The checks stage: each check of the spec evaluated on the sandbox's validated outputs
against the oracle's, then (for a failed value check) the mistakes stage names the known
mistake the output matches. Produces one ``CheckResult`` per check, in spec order."""

from __future__ import annotations

from typing import Any

from grader.course.lessons import Lesson
from grader.course.spec import CloseCheck, EqualCheck, QuizCheck, TimeBudgetCheck
from grader.grading.checks import EVALUATORS, CheckContext, Verdict
from grader.grading.checks.base import at_path
from grader.grading.mistakes import recognise, recognise_slow
from grader.grading.oracle import OracleLike
from grader.grading.text import clean_text
from grader.results import CheckResult, MistakeMatch
from grader.sandbox.run import ProbeOutcome, SandboxRun


def _status_for(outcome: ProbeOutcome) -> str:
    return "timeout" if outcome.status == "timeout" else "error"


def _load_failure(run: SandboxRun) -> str | None:
    """One line saying why the submission's code did not (fully) load, if it did not."""
    if not run.load_errors:
        return None
    err = run.load_errors[0]
    line = f", line {err.line}" if err.line else ""
    more = f" (and {len(run.load_errors) - 1} more)" if len(run.load_errors) > 1 else ""
    return (f"your code failed to load ({err.cell}{line}: {err.type}: {err.message}){more}, "
            "so what came after it never ran")


def evaluate_checks(lesson: Lesson, run: SandboxRun, oracle: OracleLike,
                    static: dict[str, str], *, can_time: bool) -> list[CheckResult]:
    """Every check of ``lesson`` on the outcome ``run`` of the sandbox stage."""
    spec = lesson.spec
    load_failure = _load_failure(run)

    def expected(ref: str) -> Any:
        probe_id, *path = ref.split(".")
        outs = oracle.outputs(spec.probe(probe_id))
        assert outs is not None
        return at_path(outs, path)

    def reference_time(probe_id: str, i: int) -> float | None:
        step_time = getattr(oracle, "step_time", None)
        return step_time(spec.probe(probe_id), i) if step_time else None

    results: list[CheckResult] = []
    for check in spec.checks:
        outcome = run.probes[check.probe]
        base: dict[str, Any] = dict(name=check.name, max_points=check.points)
        if outcome.status == "grader_error":
            # the harness blamed the spec; the same probe on the reference decides: a fault
            # there too is the grader's (raised), none means the sandbox's claim was false
            oracle.outputs(spec.probe(check.probe))
            outcome = ProbeOutcome("error", "the sandbox reported a grader fault that the "
                                            "reference does not have")
        if outcome.status != "ok":
            message = outcome.error or ""
            if load_failure and outcome.status == "error":
                message = f"{load_failure}. {message}"
            results.append(CheckResult(**base, points=0, status=_status_for(outcome),
                                       message=clean_text(message, 1500)))
            continue
        rule = outcome.violations[:1] or ([static[check.probe]] if check.probe in static else [])
        if rule:
            results.append(CheckResult(**base, points=0, status="failed",
                                       message=clean_text(rule[0], 500) + " (not accepted)"))
            continue

        def student(path: str, outcome: ProbeOutcome = outcome) -> Any:
            return at_path(outcome.outputs, path.split("."))

        def student_time(i: int, outcome: ProbeOutcome = outcome) -> float | None:
            return outcome.step_times[i] if i < len(outcome.step_times) else None

        ctx = CheckContext(lesson, student, expected, lambda: oracle.module("reference"),
                           student_time, reference_time)
        verdict: Verdict = EVALUATORS[check.kind](check, ctx)
        found = None
        if not verdict.passed and verdict.comparable and isinstance(
                check, (CloseCheck, EqualCheck, QuizCheck)):
            exp = None if isinstance(check, QuizCheck) else \
                expected(check.expected or f"{check.probe}.{check.output}")
            found = recognise(check, oracle, lesson, student(check.output), exp)
        elif (not verdict.passed and isinstance(check, TimeBudgetCheck)
              and verdict.limit is not None and can_time):
            found = recognise_slow(check, oracle, lesson, verdict.limit)
        mistake = MistakeMatch(id=found.id, title=found.title, message=found.message) \
            if found else None
        message = clean_text(verdict.message, 1500)
        if not verdict.passed and mistake is None and check.hint:
            message = f"{message}. Hint: {check.hint}" if message else f"Hint: {check.hint}"
        results.append(CheckResult(**base, points=check.points if verdict.passed else 0,
                                   status="passed" if verdict.passed else "failed",
                                   message=message, error=verdict.error,
                                   tolerance=verdict.tolerance, measured=verdict.measured,
                                   limit=verdict.limit, unit=verdict.unit, mistake=mistake))
    return results


def named_mistakes(results: list[CheckResult]) -> list[MistakeMatch]:
    """The distinct mistakes named by ``results``, in the order first named."""
    seen: dict[str, MistakeMatch] = {}
    for r in results:
        if r.mistake is not None:
            seen.setdefault(r.mistake.id, r.mistake)
    return list(seen.values())
