"""The checks stage: each check of the spec evaluated on the sandbox's validated outputs
against the oracle's, then, for a failed check, the mistakes stage names the known mistake
whose variant reproduces the output, or else the generic diagnosers the spec configures
name what they find (``grader.grading.diagnose``), on the evidence of every instance of the
check's probe. Produces one ``CheckResult`` per check, in spec order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from grader.course import expr
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
    SameCheck,
    TimeBudgetCheck,
    base_of,
    scope_of,
)
from grader.grading.checks import EVALUATORS, CheckContext, Verdict
from grader.grading.checks.base import MISSING, at_path
from grader.grading.checks.proportion import expected_probability
from grader.grading.compare import compare
from grader.grading.diagnose import (
    DiagnoseContext,
    Finding,
    diagnose,
    findings_of,
    locate,
    predicts_failure,
    to_match,
)
from grader.grading.mistakes import recognise_all, recognise_slow, variant_differs
from grader.grading.oracle import Oracle, OracleLike
from grader.grading.text import clean_text
from grader.harness.runner import scoped
from grader.results import CheckResult, MistakeMatch
from grader.sandbox.run import ProbeOutcome, SandboxRun


@dataclass
class _Evaluated:
    """One check on one instance of its probe: the result, and what diagnosis needs."""

    result: CheckResult
    findings: list[Finding] = field(default_factory=list)
    ctx: DiagnoseContext | None = None  # None where no value was compared
    failed_value: bool = False  # failed on a compared value (not an error, rule or timeout)
    judged: bool = False  # the check itself ran (so a failure shows its hint when unnamed)


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
                    unbound: dict[str, str] | None = None,
                    values: dict[str, Any] | None = None) -> list[CheckResult]:
    """Every check of ``lesson`` on the outcome ``run`` of the sandbox stage. A check on a
    probe with boundary cases holds on the random draw and on every case, and says which
    case failed; a diagnoser names a mistake there only if its evidence holds on every one
    of them. ``values`` are the run's inputs and dims (what diagnosers' expressions name)."""
    spec = lesson.spec
    load_failure = _load_failure(run)
    values = values if values is not None else dict(getattr(oracle, "inputs", {}))
    results: list[CheckResult] = []
    pending: dict[int, tuple[list[Finding], str | None]] = {}  # index -> findings, hint
    contexts: dict[str, DiagnoseContext] = {}  # value checks that ran: what diagnosers read

    def evaluate(check: Check, probe_id: str) -> _Evaluated:
        ran = run.probes.get(probe_id)
        rules = static if ran is None or ran.status != "ok" else {**(unbound or {}), **static}
        return _evaluate(lesson, check, probe_id, run, oracle, rules, load_failure, can_time,
                         values)

    for check in spec.checks:
        if isinstance(check, TimeBudgetCheck):  # the timed run, where there is one
            instances = [timed_id(check.probe)]
        else:
            instances = [p.id for p in spec.instances(check.probe)]
        done: dict[str, _Evaluated] = {}
        first: _Evaluated | None = None
        for probe_id in instances:
            done[probe_id] = evaluate(check, probe_id)
            if done[probe_id].result.status != "passed":
                first = done[probe_id]
                case = spec.case_of(scope_of(probe_id))
                if case is not None:
                    first.result.message = clean_text(
                        f"{case_label(case)}: {first.result.message}", 1500)
                break
            first = first or done[probe_id]
        assert first is not None
        findings = first.findings
        if any(f.entry is not None for f in findings):
            others = {pid: done.get(pid) or evaluate(check, pid) for pid in instances
                      if done.get(pid) is not first}
            findings = [f for f in findings
                        if f.entry is None or _holds_everywhere(f, others)]
            first.result.mistake = to_match(findings)
        results.append(first.result)
        if first.ctx is not None:
            contexts[check.name] = first.ctx
        if first.result.status != "passed":
            pending[len(results) - 1] = (findings, check.hint if first.judged else None)
    # the whole submission's evidence settles weak and ambiguous findings
    strong: dict[str, set[int]] = {}  # mistake id -> the checks naming it on strong evidence
    for i, (findings, _hint) in pending.items():
        for f in findings:
            if not f.weak:
                strong.setdefault(f.id, set()).add(i)
    for i, (findings, hint) in pending.items():
        if any(f.weak for f in findings) or len(findings) > 1:
            elsewhere = {ident for ident, where in strong.items() if where - {i}}
            findings = _settle(findings, elsewhere, results, lesson, oracle, contexts)
            results[i].mistake = to_match(findings)
        if results[i].mistake is None and hint:
            m = results[i].message
            end = "" if m.rstrip().endswith((".", "!", "?", ":")) else "."
            results[i].message = f"{m.rstrip()}{end} Hint: {hint}" if m else f"Hint: {hint}"
    return results


def _holds_everywhere(finding: Finding, others: dict[str, _Evaluated]) -> bool:
    """Whether a diagnoser's finding on one instance of a check holds on the others too: it
    finds the same there where the submission fails, and predicts no failure where it
    passes. An instance that errored or timed out gives no evidence for it."""
    for ev in others.values():
        if ev.result.status == "passed":
            if ev.ctx is not None and predicts_failure(finding.entry, ev.ctx):
                return False
        elif not ev.failed_value or ev.ctx is None or finding.id not in {
                f.id for f in findings_of(finding.entry, ev.ctx)}:
            return False
    return True


def _evaluate(lesson: Lesson, check: Check, probe_id: str, run: SandboxRun,
              oracle: OracleLike, static: dict[str, str], load_failure: str | None,
              can_time: bool, values: dict[str, Any]) -> _Evaluated:
    """One check on one instance of its probe (the random draw, or a boundary case)."""
    spec = lesson.spec
    scope = scope_of(probe_id)

    def in_scope(probe: str) -> str:
        return f"{probe}{SCOPE_SEP}{scope}" if scope else probe

    def in_scope_path(ref: str) -> str:
        ref_probe, _, rest = ref.partition(".")
        return f"{in_scope(ref_probe)}.{rest}" if rest else in_scope(ref_probe)

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
        return _Evaluated(CheckResult(**base, points=0, status="failed",
                                      message=clean_text(rule[0], 500) + " (not accepted)"))
    if outcome.status != "ok":
        message = outcome.error or ""
        if load_failure and outcome.status == "error":
            message = f"{load_failure}. {message}"
        return _Evaluated(CheckResult(**base, points=0, status=_status_for(outcome),
                                      message=clean_text(message, 1500)))

    def student(path: str) -> Any:
        return at_path(outcome.outputs, path.split("."))

    def student_time(_i: int) -> float | None:
        return outcome.cpu_s  # measured outside the submission (harness/timed.py), or None

    def timed_result(path: str) -> str | None:
        return _timed_result(lesson, check, run, oracle, student(path), path)

    ctx = CheckContext(lesson, student, expected, lambda: oracle.module("reference"),
                       student_time, reference_time, timed_result)
    verdict: Verdict = EVALUATORS[check.kind](check, ctx)
    findings: list[Finding] = []
    dctx = where = None
    if isinstance(check, (CloseCheck, EqualCheck, QuizCheck, SameCheck)):
        path = None if isinstance(check, (QuizCheck, SameCheck)) else \
            check.expected or f"{check.probe}.{check.output}"
        exp = None if path is None else expected(path)
        env = scoped(values, probe_id)
        dctx = DiagnoseContext(check, student(check.output), exp, env, lesson, student,
                               expected, _rerun(lesson, oracle, path and in_scope_path(path),
                                                env, scope, values))
    if not verdict.passed and verdict.comparable and isinstance(
            check, (CloseCheck, EqualCheck, QuizCheck, ProportionCheck)):
        if isinstance(check, QuizCheck):
            exp = None
        elif isinstance(check, ProportionCheck):
            exp = expected_probability(check, ctx)
        else:
            exp = expected(check.expected or f"{check.probe}.{check.output}")
        findings = [Finding.of(m, weak=weak) for m, weak in
                    recognise_all(check, oracle, lesson, student(check.output), exp,
                                  probe_id)]
    elif (not verdict.passed and isinstance(check, TimeBudgetCheck)
          and verdict.limit is not None and can_time):
        slow = recognise_slow(check, oracle, lesson, verdict.limit)
        findings = [Finding.of(slow)] if slow else []
    if not verdict.passed and dctx is not None:
        if not any(not f.weak for f in findings) and (verdict.comparable
                                                     or isinstance(check, SameCheck)):
            # known variants first; the diagnosers after (or beside evidence that is weak)
            findings = diagnose(dctx) or findings
        if not isinstance(check, (QuizCheck, SameCheck)):
            where = locate(dctx)
    message = clean_text(verdict.message + (f". {where}" if where else ""), 1500)
    result = CheckResult(**base, points=check.points if verdict.passed else 0,
                         status="passed" if verdict.passed else "failed",
                         message=message, error=verdict.error,
                         tolerance=verdict.tolerance, measured=verdict.measured,
                         limit=verdict.limit, unit=verdict.unit, mistake=to_match(findings))
    return _Evaluated(result, findings, dctx,
                      failed_value=not verdict.passed and (verdict.comparable
                                                           or isinstance(check, SameCheck)),
                      judged=True)


def _settle(findings: list[Finding], elsewhere: set[str], results: list[CheckResult],
            lesson: Lesson, oracle: OracleLike,
            contexts: dict[str, DiagnoseContext]) -> list[Finding]:
    """Fewer candidates for one check, by evidence from the whole submission. A check that
    a known mistake's variant file fails and this submission passes contradicts that file
    (the mistake counts as its least contradicted file), and so
    does a check a diagnoser entry covers where its explanation predicts a failure the
    submission does not have: the candidates with the fewest contradictions stay, then, of
    those, the ones named on the most checks (the one mistake that explains the most).
    Weak evidence (an all-NaN output, which any blow-up gives) stays only for a mistake
    named with strong evidence on another check, or contradicted by nothing the
    submission passes."""
    passed = {r.name for r in results if r.status == "passed"}
    checks = {c.name: c for c in lesson.spec.checks}
    mistakes = {m.id: m for m in lesson.spec.mistakes}

    def contradictions(f: Finding) -> int:
        if f.entry is not None:  # a diagnoser's explanation, over the checks it covers
            return sum(predicts_failure(f.entry, contexts[name])
                       for name in f.entry.checks if name in passed and name in contexts)
        m = mistakes.get(f.id)
        if m is None:
            return 0
        counts = []  # per variant file: the mistake is as consistent as its likeliest form
        for stem in m.files:
            count = 0
            for name in set(m.loses_of(stem)) & passed:
                c = checks[name]
                if isinstance(c, (CloseCheck, EqualCheck, QuizCheck)) and name in contexts:
                    count += variant_differs(c, oracle, lesson, stem, contexts[name].expected)
            counts.append(count)
        return min(counts)

    support: dict[str, int] = {}
    for r in results:
        if r.mistake is not None:
            for ident in {r.mistake.id, *r.mistake.alternatives}:
                support[ident] = support.get(ident, 0) + 1
    against = {f.id: contradictions(f) for f in findings}
    findings = [f for f in findings if not f.weak or against[f.id] == 0 or f.id in elsewhere]
    if not findings:
        return []
    least = min(against[f.id] for f in findings)
    kept = [f for f in findings if against[f.id] == least]
    best = max(support.get(f.id, 0) for f in kept)
    return [f for f in kept if support.get(f.id, 0) == best]


def _replaced(values: dict[str, Any], replace: dict[str, str], scope: str,
              env: dict[str, Any]) -> dict[str, Any]:
    """The inputs a rerun diagnoser replaces, evaluated in the instance's ``env``, each in
    its original type, under the names the instance reads (its scope's own, if any)."""
    out: dict[str, Any] = {}
    for name, text in replace.items():
        value, old = expr.evaluate(text, env), env[name]
        if isinstance(old, torch.Tensor):
            value = torch.as_tensor(value).to(old.dtype)
        elif isinstance(old, int):
            value = int(value)
        scoped_name = f"{scope}/{name}"
        out[scoped_name if scope and scoped_name in values else name] = value
    return out


def _rerun(lesson: Lesson, oracle: OracleLike, path: str | None, env: dict[str, Any],
           scope: str, values: dict[str, Any]) -> Any:
    """What a rerun diagnoser calls: the expected output at ``path`` (an instance's) with
    some inputs replaced (None where there is no reference to run: a student release)."""
    if path is None or not isinstance(oracle, Oracle):
        return None
    probe_id, *rest = path.split(".")

    def run(replace: dict[str, str]) -> Any:
        try:
            replaced = _replaced(values, replace, scope, env)
        except (expr.ExpressionError, ArithmeticError, TypeError, ValueError, IndexError,
                KeyError):
            return MISSING
        key = ";".join(f"{k}={v}" for k, v in sorted(replace.items()))
        outs = oracle.outputs_with(lesson.spec.probe(probe_id), replaced, key)
        return MISSING if outs is None else at_path(outs, rest)

    return run


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
