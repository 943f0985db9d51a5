"""The checks stage: each check of the spec evaluated on the sandbox's validated outputs
against the oracle's, then (for a failed value check) the mistakes stage names the known
mistake the output matches. Produces one ``CheckResult`` per check, in spec order."""

from __future__ import annotations

from typing import Any

from grader.course.inputs import timed_id
from grader.course.lessons import Lesson
from grader.course.spec import (
    SCOPE_SEP,
    Check,
    CloseCheck,
    EqualCheck,
    ProbeCase,
    ProportionCheck,
    QuizCheck,
    TimeBudgetCheck,
    base_of,
    scope_of,
)
from grader.grading.checks import EVALUATORS, CheckContext, Verdict
from grader.grading.checks.base import MISSING, at_path
from grader.grading.checks.proportion import expected_probability
from grader.grading.compare import compare
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


def case_label(case: ProbeCase) -> str:
    """How a boundary case is named in feedback: its name and what it fixes."""
    parts = [f"{k} = {v}" for k, v in case.dims.items()]
    parts += [f"{name} {', '.join(f'{k} {v}' for k, v in change.items())}"
              for name, change in case.inputs.items()]
    return f"boundary case '{case.name}'" + (f" ({'; '.join(parts)})" if parts else "")


def evaluate_checks(lesson: Lesson, run: SandboxRun, oracle: OracleLike,
                    static: dict[str, str], *, can_time: bool,
                    unbound: dict[str, str] | None = None) -> list[CheckResult]:
    """Every check of ``lesson`` on the outcome ``run`` of the sandbox stage. A check on a
    probe with boundary cases holds on the random draw and on every case, and says which
    case failed."""
    spec = lesson.spec
    load_failure = _load_failure(run)
    results: list[CheckResult] = []
    for check in spec.checks:
        if isinstance(check, TimeBudgetCheck):  # the timed run, where there is one
            instances = [timed_id(check.probe)]
        else:
            instances = [p.id for p in spec.instances(check.probe)]
        first: CheckResult | None = None
        for probe_id in instances:
            ran = run.probes.get(probe_id)
            rules = static if ran is None or ran.status != "ok" else {**(unbound or {}),
                                                                       **static}
            result = _evaluate(lesson, check, probe_id, run, oracle, rules, load_failure,
                               can_time)
            if result.status != "passed":
                case = spec.case_of(scope_of(probe_id))
                if case is not None:
                    result.message = clean_text(f"{case_label(case)}: {result.message}", 1500)
                first = result
                break
            first = first or result
        assert first is not None
        results.append(first)
    return results


def _evaluate(lesson: Lesson, check: Check, probe_id: str, run: SandboxRun,
              oracle: OracleLike, static: dict[str, str], load_failure: str | None,
              can_time: bool) -> CheckResult:
    """One check on one instance of its probe (the random draw, or a boundary case)."""
    spec = lesson.spec
    scope = scope_of(probe_id)

    def in_scope(probe: str) -> str:
        return f"{probe}{SCOPE_SEP}{scope}" if scope else probe

    def expected(ref: str) -> Any:
        ref_probe, *path = ref.split(".")
        outs = oracle.outputs(spec.probe(in_scope(ref_probe)))
        assert outs is not None
        return at_path(outs, path)

    def reference_time(ref_probe: str, i: int) -> float | None:
        step_time = getattr(oracle, "step_time", None)
        return step_time(spec.probe(in_scope(ref_probe)), i) if step_time else None

    outcome = run.probes.get(probe_id) or ProbeOutcome(
        "error", "not run" if not isinstance(check, TimeBudgetCheck) else
        "no timing was recorded (a time budget is measured only when the grader runs the "
        "timed probe itself)")
    base: dict[str, Any] = dict(name=check.name, max_points=check.points)
    if outcome.status == "grader_error":
        # the harness blamed the spec; the same probe on the reference decides: a fault
        # there too is the grader's (raised), none means the sandbox's claim was false
        oracle.outputs(spec.probe(probe_id))
        outcome = ProbeOutcome("error", "the sandbox reported a grader fault that the "
                                        "reference does not have")
    # a broken rule first, even where the code then failed (autograd under the no_grad a
    # rule-bound step runs in raises): the source scan's message, which names the construct
    # and its line, else the watcher's (seen while the code ran)
    rule = ([static[base_of(probe_id)]] if base_of(probe_id) in static else []) \
        or outcome.violations[:1]
    if rule:
        return CheckResult(**base, points=0, status="failed",
                           message=clean_text(rule[0], 500) + " (not accepted)")
    if outcome.status != "ok":
        message = outcome.error or ""
        if load_failure and outcome.status == "error":
            message = f"{load_failure}. {message}"
        return CheckResult(**base, points=0, status=_status_for(outcome),
                           message=clean_text(message, 1500))

    def student(path: str) -> Any:
        return at_path(outcome.outputs, path.split("."))

    def student_time(_i: int) -> float | None:
        return outcome.cpu_s  # measured outside the submission (harness/timed.py), or None

    def timed_result(path: str) -> str | None:
        return _timed_result(lesson, check, run, oracle, student(path), path)

    ctx = CheckContext(lesson, student, expected, lambda: oracle.module("reference"),
                       student_time, reference_time, timed_result)
    verdict: Verdict = EVALUATORS[check.kind](check, ctx)
    found = None
    if not verdict.passed and verdict.comparable and isinstance(
            check, (CloseCheck, EqualCheck, QuizCheck, ProportionCheck)):
        if isinstance(check, QuizCheck):
            exp = None
        elif isinstance(check, ProportionCheck):
            exp = expected_probability(check, ctx)
        else:
            exp = expected(check.expected or f"{check.probe}.{check.output}")
        found = recognise(check, oracle, lesson, student(check.output), exp, probe_id)
    elif (not verdict.passed and isinstance(check, TimeBudgetCheck)
          and verdict.limit is not None and can_time):
        found = recognise_slow(check, oracle, lesson, verdict.limit)
    mistake = MistakeMatch(id=found.id, title=found.title, message=found.message) \
        if found else None
    message = clean_text(verdict.message, 1500)
    if not verdict.passed and mistake is None and check.hint:
        message = f"{message}. Hint: {check.hint}" if message else f"Hint: {check.hint}"
    return CheckResult(**base, points=check.points if verdict.passed else 0,
                       status="passed" if verdict.passed else "failed",
                       message=message, error=verdict.error,
                       tolerance=verdict.tolerance, measured=verdict.measured,
                       limit=verdict.limit, unit=verdict.unit, mistake=mistake)


def _timed_result(lesson: Lesson, check: Check, run: SandboxRun, oracle: OracleLike,
                  actual: Any, path: str) -> str | None:
    """None when a timed run's output computes what the main run's did: the reference's
    function, or a known mistake's that the main run's output matches; else why not."""
    spec = lesson.spec
    rtol, atol = getattr(check, "rtol", None), getattr(check, "atol", None)

    def same(a: Any, b: Any) -> bool:
        return compare(a, b, rtol, atol, dtypes=False).ok

    def output(probe_id: str, variant: str | None = None) -> Any:
        outs = oracle.outputs(spec.probe(probe_id), variant)
        return MISSING if outs is None else at_path(outs, path.split("."))

    timed = timed_id(check.probe)
    expected = output(timed)
    if same(actual, expected):
        return None
    main = run.probes.get(check.probe)
    if main is not None and main.status == "ok":
        graded = at_path(main.outputs, path.split("."))
        reference = output(check.probe)
        for mistake in spec.mistakes:
            value = output(check.probe, mistake.id)
            if value is MISSING or same(value, reference) or not same(graded, value):
                continue
            if same(actual, output(timed, mistake.id)):
                return None
    return compare(actual, expected, rtol, atol, dtypes=False).message


def named_mistakes(results: list[CheckResult]) -> list[MistakeMatch]:
    """The distinct mistakes named by ``results``, in the order first named."""
    seen: dict[str, MistakeMatch] = {}
    for r in results:
        if r.mistake is not None:
            seen.setdefault(r.mistake.id, r.mistake)
    return list(seen.values())
