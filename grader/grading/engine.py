"""Grade one submission: the stages it passes through once, in order.

load (the submission's cells) -> draw (fresh inputs from the seed) -> run (the sandbox
stage: the student's code on those inputs, outputs back as validated data) -> oracle (the
reference on the same inputs, trusted side) -> checks and mistakes (``evaluate``) ->
result. Each stage lives in its own module; this one only passes data between them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from grader.course.inputs import draw_inputs
from grader.course.lessons import Lesson
from grader.course.public import load_public
from grader.grading.evaluate import evaluate_checks, named_mistakes
from grader.grading.oracle import Oracle, OracleLike
from grader.grading.rules import rule_violations
from grader.grading.submission import Program, load_program
from grader.grading.text import clean_text
from grader.results import GradeResult
from grader.sandbox import Backend, SandboxError, get_backend
from grader.sandbox.run import SandboxRun, run_submission


def _release_note(spec_checks: int, hidden_checks: int, hidden_points: int) -> str:
    return (f"student release: {spec_checks} public check(s) on fixed inputs; "
            + (f"{hidden_checks} hidden check(s) worth {hidden_points} point(s) "
               "run when you submit, and every check runs on fresh inputs then"
               if hidden_checks else
               "when you submit, the same checks run on fresh inputs"))


def _notes(lesson: Lesson, program: Program, run: SandboxRun, backend: Backend,
           release_note: str | None) -> list[str]:
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
    return notes


def grade_program(lesson: Lesson, program: Program, *, seed: int | None = None,
                  sandbox: str | Backend = "auto", time_limit_s: float | None = None,
                  gpu: bool = False,
                  on_progress: Callable[[str], None] | None = None) -> GradeResult:
    spec = lesson.spec
    started = time.perf_counter()
    seed = secrets.randbits(31) if seed is None else seed
    say = on_progress or (lambda _msg: None)
    # draw
    oracle: OracleLike | None = None
    release_note = None
    if lesson.is_public:
        stored = load_public(lesson.public_dir)
        seed, inputs, dims, oracle = stored.seed, stored.inputs, stored.dims, stored.oracle
        release_note = _release_note(len(spec.checks), stored.hidden_checks,
                                     stored.hidden_points)
    else:
        say("drawing fresh inputs")
        inputs, dims = draw_inputs(spec, seed, lesson.root)
    # run
    backend = get_backend(sandbox) if isinstance(sandbox, str) else sandbox
    if gpu:
        require_gpu(backend)
    cells = [{"label": c.label, "filename": c.filename, "source": c.source}
             for c in program.cells]
    run = run_submission(backend, spec, cells, inputs, dims, seed, time_limit_s=time_limit_s,
                         gpu=gpu, on_progress=say)
    # oracle, checks, mistakes
    say("comparing with the reference")
    if oracle is None:
        oracle = Oracle(lesson, {**inputs, **dims}, seed)
    static = rule_violations(spec.probes, [c.source for c in program.cells])
    results = evaluate_checks(lesson, run, oracle, static, can_time=not lesson.is_public)
    # result
    return GradeResult(
        lesson=lesson.id, title=spec.lesson.title, submission=program.path.name,
        score=sum(r.points for r in results), max_score=spec.max_score, seed=seed,
        duration_s=round(time.perf_counter() - started, 3), sandbox=backend.name,
        checks=results, mistakes=named_mistakes(results),
        notes=_notes(lesson, program, run, backend, release_note),
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
