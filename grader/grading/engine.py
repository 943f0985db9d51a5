"""Grade one submission: the stages it passes through once, in order.

load (the submission's cells) -> draw (fresh inputs from the seed) -> run (the sandbox
stage: the student's code on those inputs, outputs back as validated data) -> oracle (the
reference on the same inputs, trusted side) -> checks and mistakes (``evaluate``) ->
result. Each stage lives in its own module; this one only passes data between them.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import torch

from grader.course.datasets import dataset_info, datasets_dir
from grader.course.inputs import draw_inputs, draw_timed, timed_id
from grader.course.lessons import Lesson
from grader.course.public import load_public
from grader.course.spec import SCOPE_SEP, LessonSpec, Probe
from grader.grading.evaluate import evaluate_checks, named_mistakes
from grader.grading.oracle import Oracle, OracleLike
from grader.grading.rules import RuleFindings, check_rules
from grader.grading.submission import Program, load_program
from grader.grading.text import clean_text
from grader.results import GradeResult
from grader.sandbox import Backend, SandboxError, get_backend
from grader.sandbox.run import SandboxRun, run_submission

T = TypeVar("T")


def _release_note(spec_checks: int, hidden_checks: int, hidden_points: int) -> str:
    return (f"student release: {spec_checks} public check(s) on fixed inputs; "
            + (f"{hidden_checks} hidden check(s) worth {hidden_points} point(s) "
               "run when you submit, and every check runs on fresh inputs then"
               if hidden_checks else
               "when you submit, the same checks run on fresh inputs"))


def _notes(lesson: Lesson, program: Program, run: SandboxRun, backend: Backend,
           release_note: str | None) -> list[str]:
    notes = ([release_note] if release_note else []) + list(run.notes)
    for err in run.load_errors:
        line = f", line {err.line}" if err.line else ""
        notes.append(clean_text(f"{err.cell}{line} raised {err.type}: {err.message} — code after "
                                "it in that cell did not run", 600))
    for skipped in program.skipped:
        notes.append(clean_text(f"skipped (IPython only): {skipped}", 300))
    return notes


def _secrets(lesson: Lesson) -> list[Path]:
    """What student code must not read: the reference and the datasets with held-out
    splits that the lesson names."""
    folders = [lesson.reference_dir]
    for name in sorted(lesson.spec.datasets()):
        try:
            if dataset_info(lesson.root, name).held_out:
                folders.append(datasets_dir(lesson.root) / name)
        except Exception:  # noqa: BLE001, S112 - a broken dataset fails elsewhere, loudly
            continue
    return [f for f in folders if f.exists()]


def isolation_warning(lesson: Lesson, backend: Backend) -> str | None:
    """Why this grading was not isolated (student code could read the reference or held-out
    data), or None."""
    if backend.hides_files or lesson.is_public:
        return None
    exposed = [f for f in _secrets(lesson) if backend.can_read(f)]
    if not exposed:
        return None
    return (f"UNISOLATED: the {backend.name} sandbox cannot hide the reference solution or "
            f"held-out data: the submission's code could read {', '.join(map(str, exposed))} ("
            + (backend.isolation or backend.name) + "). Grade untrusted code "
            "with --sandbox bwrap or docker, or as root with the course unreadable to other "
            "users (chmod -R go-rwx on the course folder)")


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
    # the timed runs' inputs: fresh, apart from everything else (not in a student release,
    # whose time budgets run on submission)
    timed = {} if lesson.is_public else {
        timed_id(pid): draw_timed(spec, seed, pid, dims, lesson.root)
        for pid in spec.timed_probes()}
    # run
    backend = get_backend(sandbox) if isinstance(sandbox, str) else sandbox
    if gpu:
        require_gpu(backend)
    cells = [{"label": c.label, "filename": c.filename, "source": c.source}
             for c in program.cells]
    # oracle: the reference runs on the same inputs here while the sandbox runs (its
    # timings are taken again afterwards, on a quiet machine: see Oracle.step_time)
    # and the source scan (it reads the submission's text only) runs then too
    fresh_oracle = oracle is None
    if oracle is None:
        oracle = Oracle(lesson, {**inputs, **dims,
                                 **{k: v for t in timed.values() for k, v in t.items()}}, seed,
                        devices=trusted_devices(gpu))
    waits: list[Callable[[], Any]] = []  # the oracle's, if it runs here; the scan's, last

    def meanwhile() -> None:
        if fresh_oracle and isinstance(oracle, Oracle):
            waits.append(oracle.start_early(early_probes(spec, list(timed))))
        waits.append(in_background("rules", lambda: check_rules(
            spec.probes, [c.source for c in program.cells], [c.label for c in program.cells])))

    run = run_submission(backend, spec, cells, inputs, dims, seed, time_limit_s=time_limit_s,
                         gpu=gpu, on_progress=say, timed=timed, meanwhile=meanwhile)
    # checks, mistakes
    say("comparing with the reference")
    rules: RuleFindings = [wait() for wait in waits][-1]
    results = evaluate_checks(lesson, run, oracle, rules.violations,
                              can_time=not lesson.is_public, unbound=rules.unbound,
                              values={**inputs, **dims})
    # result
    return GradeResult(
        lesson=lesson.id, title=spec.lesson.title, submission=program.path.name,
        score=sum(r.points for r in results), max_score=spec.max_score, seed=seed,
        duration_s=round(time.perf_counter() - started, 3), sandbox=backend.name,
        isolation=run.isolation or backend.isolation or backend.name,
        isolation_warning=isolation_warning(lesson, backend), checks=results,
        mistakes=named_mistakes(results),
        notes=_notes(lesson, program, run, backend, release_note) + device_notes(spec, run, gpu),
        review=_review(rules.review, rules.violations, run),
        output=clean_text(run.stdout + run.stderr, 4000),
    )


def early_probes(spec: LessonSpec, timed: list[str]) -> list[Probe]:
    """Every probe instance the checks read the reference's outputs of (``timed``: the
    timed runs' instance ids): the oracle runs them while the sandbox runs the submission,
    so that none is left for the checks to wait on."""
    return (list(spec.probes) + [p for p in spec.sandbox_probes() if SCOPE_SEP in p.id]
            + spec.referenced_instances() + [spec.probe(pid) for pid in timed])


def in_background(name: str, work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work`` in a thread now; returns a function that waits for its value (or
    raises what it raised)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as e:  # noqa: BLE001 - raised again in the caller's thread
            box["error"] = e

    thread = threading.Thread(target=run, daemon=True, name=name)
    thread.start()

    def result() -> T:
        thread.join()
        if "error" in box:
            raise box["error"]
        return cast(T, box["value"])
    return result


def trusted_devices(gpu: bool) -> tuple[str, ...]:
    """Where the oracle runs a probe that names devices: on this machine's GPU when the
    grading has one and so does this process, else on the CPU (each path's checks hold on
    either device: a spec compares a GPU path with tolerances, not with one device's bits)."""
    return ("cuda", "cpu") if gpu and torch.cuda.is_available() else ("cpu",)


def device_notes(spec: LessonSpec, run: SandboxRun, gpu: bool) -> list[str]:
    """Which path each probe that names devices was graded on, and where it was not the
    first choice, why, and how to grade that one (``grade --gpu`` on a CUDA machine);
    probes with the same story share one note."""
    stories: dict[str, list[str]] = {}
    for probe in spec.probes:
        if len(probe.devices) < 2 or probe.trusted_only:
            continue
        ran = {o.device for p in spec.instances(probe.id)
               if (o := run.probes.get(p.id)) is not None and o.device}
        if not ran:
            continue  # it never got to run: its checks say why
        order = list(probe.devices)
        paths = " and ".join(probe.devices[d] for d in sorted(ran, key=order.index))
        wanted = probe.devices[order[0]]
        if ran == {order[0]}:
            story = f"graded {paths}"
        elif gpu:
            story = (f"--gpu was given but the sandbox had no CUDA device (is its torch a CPU "
                     f"build?): graded {paths} instead of {wanted}")
        else:
            story = (f"no GPU for this grading: graded {paths} instead of {wanted}; grade "
                     "--gpu on a machine with a CUDA GPU grades that")
        stories.setdefault(story, []).append(probe.id)
    return [f"probe{'s' if len(ids) > 1 else ''} {', '.join(ids)}: {story}"
            for story, ids in stories.items()]


def _review(static: list[str], violations: dict[str, str], run: SandboxRun) -> list[str]:
    """Reasons to review: what the source scan could not follow, and a rule the sandbox saw
    broken where the source scan found nothing (autograd reached in a way it missed)."""
    reasons = [clean_text(r, 300) for r in static]
    for probe_id, outcome in run.probes.items():
        for seen in outcome.violations[:1]:
            if probe_id.split("__")[0] not in violations:
                reasons.append(clean_text(f"while it ran, the sandbox saw: {seen}; the source "
                                          "scan found nothing (hidden use?)", 300))
    return list(dict.fromkeys(reasons))


def require_gpu(backend: Backend) -> None:
    """Refuse ``--gpu`` clearly where the submission could not get one."""
    if not backend.supports_gpu:
        raise SandboxError(f"--gpu: the {backend.name} sandbox cannot pass a GPU in; use "
                           "--sandbox docker (or process)")
    if not backend.has_own_python and not torch.cuda.is_available():
        # (a backend with its own Python, a container, has its own torch, and Docker says
        # itself when it cannot pass a GPU in)
        raise SandboxError("--gpu: no CUDA GPU is available on this machine")


def grade_file(lesson: Lesson, path: Path, **kwargs: Any) -> GradeResult:
    return grade_program(lesson, load_program(path, lesson.spec.lesson.stem), **kwargs)
