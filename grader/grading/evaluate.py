"""The checks stage: each check of the spec evaluated on the sandbox's validated outputs
against the oracle's, then, for a failed check, the mistakes stage names the known mistake
whose variant reproduces the output, or else the generic diagnosers the spec configures
name what they find (``grader.grading.diagnose``). Produces one ``CheckResult`` per check,
in spec order."""

from __future__ import annotations

from typing import Any

import torch

from grader.course import expr
from grader.course.lessons import Lesson
from grader.course.spec import CloseCheck, EqualCheck, QuizCheck, SameCheck, TimeBudgetCheck
from grader.grading.checks import EVALUATORS, CheckContext, Verdict
from grader.grading.checks.base import MISSING, at_path
from grader.grading.diagnose import (
    DiagnoseContext,
    Finding,
    diagnose,
    locate,
    predicts_failure,
    to_match,
)
from grader.grading.mistakes import recognise, recognise_slow, variant_differs
from grader.grading.oracle import Oracle, OracleLike
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


def _replaced(values: dict[str, Any], replace: dict[str, str]) -> dict[str, Any]:
    """The inputs a rerun diagnoser replaces, evaluated, each in its original type."""
    out: dict[str, Any] = {}
    for name, text in replace.items():
        value, old = expr.evaluate(text, values), values[name]
        if isinstance(old, torch.Tensor):
            value = torch.as_tensor(value).to(old.dtype)
        elif isinstance(old, int):
            value = int(value)
        out[name] = value
    return out


def evaluate_checks(lesson: Lesson, run: SandboxRun, oracle: OracleLike,
                    static: dict[str, str], *, can_time: bool,
                    values: dict[str, Any] | None = None) -> list[CheckResult]:
    """Every check of ``lesson`` on the outcome ``run`` of the sandbox stage. ``values``
    are the run's inputs and dims (what a diagnoser's expressions may name)."""
    spec = lesson.spec
    load_failure = _load_failure(run)
    values = values if values is not None else dict(getattr(oracle, "inputs", {}))

    def expected(ref: str) -> Any:
        probe_id, *path = ref.split(".")
        outs = oracle.outputs(spec.probe(probe_id))
        assert outs is not None
        return at_path(outs, path)

    def reference_time(probe_id: str, i: int) -> float | None:
        step_time = getattr(oracle, "step_time", None)
        return step_time(spec.probe(probe_id), i) if step_time else None

    results: list[CheckResult] = []
    pending: dict[int, tuple[list[Finding], str | None]] = {}  # index -> findings, hint
    contexts: dict[str, DiagnoseContext] = {}  # value checks that ran: what diagnosers read
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
        findings: list[Finding] = []
        where = None
        if isinstance(check, (CloseCheck, EqualCheck, QuizCheck, SameCheck)):
            path = None if isinstance(check, (QuizCheck, SameCheck)) else \
                check.expected or f"{check.probe}.{check.output}"
            exp = None if path is None else expected(path)
            dctx = DiagnoseContext(check, student(check.output), exp, values, lesson, student,
                                   expected, _rerun(lesson, oracle, path, values))
            contexts[check.name] = dctx
        if not verdict.passed and isinstance(check, (CloseCheck, EqualCheck, QuizCheck,
                                                     SameCheck)):
            if verdict.comparable and not isinstance(check, SameCheck):
                findings = [Finding.of(m, weak=weak) for m, weak in
                            recognise(check, oracle, lesson, student(check.output), exp)]
            if not any(not f.weak for f in findings) and (verdict.comparable
                                                         or isinstance(check, SameCheck)):
                # known variants first; the diagnosers after (or beside evidence that is weak)
                findings = diagnose(dctx) or findings
            if not isinstance(check, (QuizCheck, SameCheck)):
                where = locate(dctx)
        elif (not verdict.passed and isinstance(check, TimeBudgetCheck)
              and verdict.limit is not None and can_time):
            slow = recognise_slow(check, oracle, lesson, verdict.limit)
            findings = [Finding.of(slow)] if slow else []
        message = clean_text(verdict.message + (f". {where}" if where else ""), 1500)
        results.append(CheckResult(**base, points=check.points if verdict.passed else 0,
                                   status="passed" if verdict.passed else "failed",
                                   message=message, error=verdict.error,
                                   tolerance=verdict.tolerance, measured=verdict.measured,
                                   limit=verdict.limit, unit=verdict.unit,
                                   mistake=to_match(findings)))
        if not verdict.passed:
            pending[len(results) - 1] = (findings, check.hint)
    # the whole submission's evidence settles weak and ambiguous findings
    strong: dict[str, set[int]] = {}  # mistake id -> the checks naming it on strong evidence
    for i, (findings, _hint) in pending.items():
        for f in findings:
            if not f.weak:
                strong.setdefault(f.id, set()).add(i)
    for i, (findings, hint) in pending.items():
        if any(f.weak for f in findings) or len(findings) > 1:
            elsewhere = {ident for ident, where in strong.items() if where - {i}}
            findings = _settle(findings, elsewhere, results, lesson, oracle, expected,
                               contexts)
            results[i].mistake = to_match(findings)
        if results[i].mistake is None and hint:
            m = results[i].message
            results[i].message = f"{m}. Hint: {hint}" if m else f"Hint: {hint}"
    return results


def _settle(findings: list[Finding], elsewhere: set[str], results: list[CheckResult],
            lesson: Lesson, oracle: OracleLike, expected: Any,
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
                if isinstance(c, (CloseCheck, EqualCheck, QuizCheck)):
                    exp = None if isinstance(c, QuizCheck) else \
                        expected(c.expected or f"{c.probe}.{c.output}")
                    count += variant_differs(c, oracle, lesson, stem, exp)
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


def _rerun(lesson: Lesson, oracle: OracleLike, path: str | None,
           values: dict[str, Any]) -> Any:
    """What a rerun diagnoser calls: the expected output at ``path`` with some inputs
    replaced (None where there is no reference to run: a student release)."""
    if path is None or not isinstance(oracle, Oracle):
        return None
    probe_id, *rest = path.split(".")

    def run(replace: dict[str, str]) -> Any:
        try:
            replaced = _replaced(values, replace)
        except (expr.ExpressionError, ArithmeticError, TypeError, ValueError, IndexError):
            return MISSING
        key = ";".join(f"{k}={v}" for k, v in sorted(replace.items()))
        outs = oracle.outputs_with(lesson.spec.probe(probe_id), replaced, key)
        return MISSING if outs is None else at_path(outs, rest)

    return run


def named_mistakes(results: list[CheckResult]) -> list[MistakeMatch]:
    """The distinct mistakes named by ``results``, in the order first named."""
    seen: dict[str, MistakeMatch] = {}
    for r in results:
        if r.mistake is not None:
            seen.setdefault(r.mistake.id, r.mistake)
    return list(seen.values())
