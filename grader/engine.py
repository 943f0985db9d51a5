"""Grade one submission: inputs -> sandbox -> reference -> checks -> mistakes -> result.

This is the one place that runs the whole flow; the trusted side only ever sees the
student's work as validated data from the sandbox.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from .checks import EVALUATORS, CheckContext, Verdict
from .checks.base import MISSING, at_path
from .checks.proportion import expected_probability
from .checks.quiz import answer_to, quiz_key, same_answer
from .harness.runner import run_probe
from .harness.values import decode, encode
from .inputs import draw_inputs
from .lessons import Lesson
from .mistakes import match_mistake, same_proportion, same_within
from .public import StoredOracle, load_public
from .results import CheckResult, GradeResult, MistakeMatch
from .sandbox import Backend, SandboxError, get_backend
from .sandbox_run import ProbeOutcome, SandboxRun, probe_seed, run_submission
from .spec import (
    CloseCheck,
    EqualCheck,
    Mistake,
    Probe,
    ProportionCheck,
    QuizCheck,
    TimeBudgetCheck,
)
from .static_checks import uses_autograd, uses_builtin_optimizer
from .submission import Program, load_program

# terminal escapes (CSI, OSC), C0 and C1 controls but tab and newline, bidi overrides that
# reorder what is displayed, and lone surrogates (which cannot be encoded for display)
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
                      r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean_text(text: str, limit: int = 4000) -> str:
    """Remove terminal escapes, control characters and lone surrogates from text shown back
    to a person."""
    text = _CONTROL.sub("", text)
    return text if len(text) <= limit else text[:limit] + "\n… (truncated)"


class Oracle:
    """Runs the reference, an oracle or a mistake variant on the trusted side, cached."""

    def __init__(self, lesson: Lesson, inputs: dict[str, Any], seed: int) -> None:
        self.lesson = lesson
        self.inputs = inputs
        self.seed = seed
        self._modules: dict[str, Any] = {}
        self._runs: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._times: dict[tuple[str, str], list[float]] = {}
        self._retimed: set[tuple[str, str]] = set()

    def module(self, key: str) -> Any:
        if key not in self._modules:
            if key == "reference":
                self._modules[key] = self.lesson.reference_module()
            elif key.startswith("mistake:"):
                self._modules[key] = self.lesson.mistake_module(key.split(":", 1)[1])
            else:
                import importlib  # noqa: PLC0415

                self._modules[key] = importlib.import_module(key)
        return self._modules[key]

    def outputs(self, probe: Probe, variant: str | None = None) -> dict[str, Any] | None:
        """Decoded outputs of ``probe`` for the reference (or oracle) or a mistake variant."""
        key = (probe.id, variant or "expected")
        if key not in self._runs:
            result = self._run(probe, variant)
            if result["status"] != "ok":
                if variant is None:
                    raise RuntimeError(f"the reference failed on probe {probe.id!r}: "
                                       f"{result['error']}")
                self._runs[key] = None
            else:
                self._times[key] = list(result["step_times"])
                self._runs[key] = {name: decode(*encode(v, f"{probe.id}/{name}"))
                                   for name, v in result["outputs"].items()}
        return self._runs[key]

    def step_time(self, probe: Probe, i: int, variant: str | None = None) -> float | None:
        """Seconds step ``i`` of ``probe`` took, single-threaded as in the sandbox; for the
        reference the faster of two runs, so a hiccup of this machine does not shrink a
        student's time budget."""
        key = (probe.id, variant or "expected")
        if self.outputs(probe, variant) is None:
            return None
        if variant is None and key not in self._retimed:
            again = self._run(probe, None)["step_times"]
            self._times[key] = [min(a, b) for a, b in zip(self._times[key], again, strict=False)]
            self._retimed.add(key)
        times = self._times.get(key, [])
        return times[i] if i < len(times) else None

    def _run(self, probe: Probe, variant: str | None) -> dict[str, Any]:
        if variant is None:
            module, rename = self.module(probe.expect.module), probe.expect.rename
        else:
            module, rename = self.module(f"mistake:{variant}"), {}
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # as in the sandbox: timings and reductions alike
        try:
            return run_probe(module, probe.model_dump(mode="json"), self.inputs,
                             probe_seed(self.seed, probe.id), rename=rename)
        finally:
            torch.set_num_threads(threads)


def _status_for(outcome: ProbeOutcome) -> str:
    return "timeout" if outcome.status == "timeout" else "error"


def _static_violations(spec_probes: list[Probe], program: Program) -> dict[str, str]:
    """probe id -> a rule violation found in the source, for probes with guarded steps."""
    sources = [c.source for c in program.cells]
    found: dict[str, str] = {}
    optim_msg: str | None = None
    optim_checked = False
    for probe in spec_probes:
        for step in probe.steps:
            if step.no_autograd and step.call:
                msg = uses_autograd(sources, step.call)
                if msg:
                    found.setdefault(probe.id, msg)
            if step.no_builtin_optimizers:
                if not optim_checked:
                    optim_msg, optim_checked = uses_builtin_optimizer(sources), True
                if optim_msg:
                    found.setdefault(probe.id, optim_msg)
    return found


def _recognise(check: CloseCheck | EqualCheck | QuizCheck | ProportionCheck, ctx: CheckContext,
               oracle: Oracle | StoredOracle, lesson: Lesson,
               actual: Any, mistakes: list[Mistake]) -> Mistake | None:
    """The known mistake whose variant gives the student's wrong output for ``check``."""
    probe = lesson.spec.probe(check.probe)

    def variant_output(mid: str) -> Any:
        outs = oracle.outputs(probe, variant=mid)
        return MISSING if outs is None else at_path(outs, check.output.split("."))

    if isinstance(check, QuizCheck):
        entry = quiz_key(ctx)[check.question]
        return match_mistake(
            check.name, answer_to(check, actual), entry["answer"], mistakes,
            lambda mid: (MISSING if (v := variant_output(mid)) is MISSING
                         else answer_to(check, v)),
            MISSING, lambda a, b: same_answer(entry, a, b))
    if isinstance(check, ProportionCheck):
        return match_mistake(check.name, actual, expected_probability(check, ctx), mistakes,
                             variant_output, MISSING, same_proportion(check))
    expected = ctx.expected(check.expected or f"{check.probe}.{check.output}")
    return match_mistake(check.name, actual, expected, mistakes, variant_output, MISSING,
                         same_within(check))


def _recognise_slow(check: TimeBudgetCheck, oracle: Oracle | StoredOracle, lesson: Lesson,
                    budget: float, mistakes: list[Mistake]) -> Mistake | None:
    """The known mistake whose variant, timed here, is over the same budget (a Python loop
    where a vectorised expression belongs)."""
    if not isinstance(oracle, Oracle):
        return None
    probe = lesson.spec.probe(check.probe)
    for mistake in mistakes:
        if check.name in mistake.loses:
            t = oracle.step_time(probe, check.step, variant=mistake.id)
            if t is not None and t > budget:
                return mistake
    return None


def grade_program(lesson: Lesson, program: Program, *, seed: int | None = None,
                  sandbox: str | Backend = "auto", time_limit_s: float | None = None,
                  gpu: bool = False,
                  on_progress: Callable[[str], None] | None = None) -> GradeResult:
    spec = lesson.spec
    started = time.perf_counter()
    seed = secrets.randbits(31) if seed is None else seed
    say = on_progress or (lambda _msg: None)
    oracle: Oracle | StoredOracle
    release_note = None
    if lesson.is_public:
        stored = load_public(lesson.public_dir)
        seed, inputs, dims, oracle = stored.seed, stored.inputs, stored.dims, stored.oracle
        release_note = (
            f"student release: {len(spec.checks)} public check(s) on fixed inputs; "
            + (f"{stored.hidden_checks} hidden check(s) worth {stored.hidden_points} point(s) "
               "run when you submit, and every check runs on fresh inputs then"
               if stored.hidden_checks else
               "when you submit, the same checks run on fresh inputs"))
    else:
        say("drawing fresh inputs")
        inputs, dims = draw_inputs(spec, seed)
    backend = get_backend(sandbox) if isinstance(sandbox, str) else sandbox
    if gpu:
        require_gpu(backend)
    run: SandboxRun = run_submission(backend, spec, program, inputs, dims, seed,
                                     time_limit_s=time_limit_s, gpu=gpu, on_progress=say)
    say("comparing with the reference")
    if not lesson.is_public:
        oracle = Oracle(lesson, {**inputs, **dims}, seed)
    static = _static_violations(spec.probes, program)

    def expected(ref: str) -> Any:
        probe_id, *path = ref.split(".")
        outs = oracle.outputs(spec.probe(probe_id))
        assert outs is not None
        return at_path(outs, path)

    results: list[CheckResult] = []
    matched: dict[str, MistakeMatch] = {}
    for check in spec.checks:
        outcome = run.probes[check.probe]
        base = dict(name=check.name, max_points=check.points)
        if outcome.status != "ok":
            results.append(CheckResult(**base, points=0, status=_status_for(outcome),
                                       message=clean_text(outcome.error or "", 1500)))
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

        def reference_time(probe_id: str, i: int) -> float | None:
            return oracle.step_time(spec.probe(probe_id), i)

        ctx = CheckContext(lesson, student, expected, lambda: oracle.module("reference"),
                           student_time, reference_time)
        verdict: Verdict = EVALUATORS[check.kind](check, ctx)
        mistake = None
        if not verdict.passed and verdict.comparable and isinstance(
                check, (CloseCheck, EqualCheck, QuizCheck, ProportionCheck)):
            found = _recognise(check, ctx, oracle, lesson, student(check.output),
                               spec.mistakes)
            if found:
                mistake = MistakeMatch(id=found.id, title=found.title, message=found.message)
                matched.setdefault(found.id, mistake)
        elif (not verdict.passed and isinstance(check, TimeBudgetCheck)
              and verdict.tolerance is not None and not lesson.is_public):
            found = _recognise_slow(check, oracle, lesson, verdict.tolerance, spec.mistakes)
            if found:
                mistake = MistakeMatch(id=found.id, title=found.title, message=found.message)
                matched.setdefault(found.id, mistake)
        message = clean_text(verdict.message, 1500)
        if not verdict.passed and mistake is None and check.hint:
            message = f"{message}. Hint: {check.hint}" if message else f"Hint: {check.hint}"
        results.append(CheckResult(**base, points=check.points if verdict.passed else 0,
                                   status="passed" if verdict.passed else "failed",
                                   message=message, error=verdict.error,
                                   tolerance=verdict.tolerance, mistake=mistake))
    notes = ([release_note] if release_note else []) + list(run.notes)
    if not backend.hides_files and lesson.reference_dir.exists() and not lesson.is_public:
        notes.append(f"the {backend.name} sandbox cannot hide the reference solution, which is "
                     "on this machine: use --sandbox bwrap or docker to grade untrusted code")
    for err in run.load_errors:
        line = f", line {err.line}" if err.line else ""
        notes.append(clean_text(f"{err.cell}{line} raised {err.type}: {err.message} — code after "
                                "it in that cell did not run", 600))
    for skipped in program.skipped:
        notes.append(clean_text(f"skipped (IPython only): {skipped}", 300))
    return GradeResult(
        lesson=lesson.id, title=spec.lesson.title, submission=program.path.name,
        score=sum(r.points for r in results), max_score=spec.max_score, seed=seed,
        duration_s=round(time.perf_counter() - started, 3), sandbox=backend.name,
        checks=results, mistakes=list(matched.values()), notes=notes,
        output=clean_text(run.stdout + run.stderr, 4000),
    )


def require_gpu(backend: Backend) -> None:
    """Refuse ``--gpu`` clearly where the submission could not get one."""
    if not getattr(backend, "supports_gpu", False):
        raise SandboxError(f"--gpu: the {backend.name} sandbox cannot pass a GPU in; use "
                           "--sandbox docker (or process)")
    if not callable(getattr(backend, "site_paths", None)) and not torch.cuda.is_available():
        # (a backend with its own Python, a container, has its own torch, and Docker says
        # itself when it cannot pass a GPU in)
        raise SandboxError("--gpu: no CUDA GPU is available on this machine")


def grade_file(lesson: Lesson, path: Path, **kwargs: Any) -> GradeResult:
    return grade_program(lesson, load_program(path, lesson.spec.lesson.stem), **kwargs)
