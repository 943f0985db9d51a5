"""The sandbox stage's bookkeeping (``grader/sandbox/run.py``) with a scripted backend.

``run_submission`` prepares a work folder, runs it, reads the events and tensors back and,
when the run ended in the middle of a probe, marks that probe and runs the rest again in a
fresh sandbox. The backend here runs nothing: it plays a script, writing what the harness
would have written (events, safetensors) and returning the outcome a real sandbox would.
"""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import save_file

from grader.course.inputs import draw_inputs
from grader.course.lessons import get_lesson
from grader.harness.values import encode
from grader.sandbox.base import Backend, SandboxJob, SandboxOutcome
from grader.sandbox.run import MAX_ATTEMPTS, probe_seed, run_submission
from tests.conftest import ROOT

LESSON = get_lesson("1.2", ROOT)
SPEC = LESSON.spec
PROBES = [p.id for p in SPEC.sandbox_probes()]  # with the boundary cases' instances
CELLS = [{"label": "file", "filename": "<linear_regression>", "source": "x = 1\n"}]


@dataclass
class Attempt:
    """How one run ends: after ``stop_in`` starts (None: it finishes), with this outcome."""

    stop_in: str | None = None
    exit_code: int | None = 0
    signal: int | None = None
    timed_out: bool = False
    stopped: str | None = None
    loaded: bool | None = True  # None: it never got as far as loading
    raw_events: list[str] = field(default_factory=list)  # written as they are, at the end
    stdout: str = ""
    truncated: bool = False
    worker_lost: bool = False  # a warm worker that ended in the middle of the job


class ScriptedBackend:
    """A ``Backend`` that plays one ``Attempt`` per run and records what it was asked."""

    name = "scripted"
    hides_files = True
    isolates_network = True
    supports_gpu = False
    has_own_python = False
    supports_warm = False
    is_warm_pool = False
    isolation = "scripted: no code runs"

    def __init__(self, attempts: list[Attempt]) -> None:
        self.attempts = attempts
        self.plans: list[dict[str, Any]] = []
        self.jobs: list[SandboxJob] = []

    def check_available(self) -> None:
        return None

    def site_paths(self) -> list[str]:
        return ["/site"]

    def can_read(self, folder: Path) -> bool:
        return False

    def run(self, job: SandboxJob) -> SandboxOutcome:
        plan = json.loads((job.workdir / "plan.json").read_text())
        self.plans.append(plan)
        self.jobs.append(job)
        a = self.attempts[min(len(self.plans), len(self.attempts)) - 1]
        out = job.workdir / "out"
        lines = []
        if a.loaded is not None:
            lines.append({"event": "loaded", "ok": a.loaded, "elapsed_s": 0.01, "errors": [] if
                          a.loaded else [{"cell": "file", "type": "SyntaxError",
                                          "message": "invalid syntax (line 3)"}]})
        for probe in plan["probes"] if a.loaded else []:
            lines.append({"event": "start", "probe": probe["id"]})
            if probe["id"] == a.stop_in:
                break
            outputs, tensors = {}, {}
            for i, name in enumerate(probe["outputs"]):
                desc, ts = encode(torch.full((3,), float(i)), f"{probe['id']}/{name}")
                outputs[name] = desc
                tensors.update(ts)
            save_file(tensors, str(out / f"{probe['id']}.safetensors"))
            lines.append({"event": "done", "probe": probe["id"], "status": "ok", "error": None,
                          "outputs": outputs, "violations": [], "elapsed_s": 0.01,
                          "step_times": [0.01]})
        else:
            if a.loaded:
                lines.append({"event": "finished"})
        text = "".join(json.dumps(e) + "\n" for e in lines) + "".join(a.raw_events)
        (out / "events.jsonl").write_text(text)
        return SandboxOutcome(exit_code=a.exit_code, timed_out=a.timed_out, signal=a.signal,
                              duration_s=0.1, stdout=a.stdout, stderr="",
                              output_truncated=a.truncated, stopped=a.stopped,
                              worker_lost=a.worker_lost)


def run(attempts: list[Attempt], **kwargs: Any) -> tuple[Any, ScriptedBackend]:
    backend = ScriptedBackend(attempts)
    inputs, dims = draw_inputs(SPEC, 5)
    return run_submission(backend, SPEC, CELLS, inputs, dims, 5, **kwargs), backend


def test_the_scripted_backend_is_a_backend() -> None:
    assert isinstance(ScriptedBackend([]), Backend)


def test_a_clean_run_is_one_sandbox_with_every_probe() -> None:
    result, backend = run([Attempt()])
    assert len(backend.plans) == 1
    plan = backend.plans[0]
    assert [p["id"] for p in plan["probes"]] == PROBES
    assert [p["seed"] for p in plan["probes"]] == [probe_seed(5, p) for p in PROBES]
    assert plan["site_paths"] == ["/site"] and plan["module_name"] == SPEC.lesson.stem
    assert all(o.status == "ok" for o in result.probes.values()) and result.loaded
    first = SPEC.probe(PROBES[0])
    assert torch.equal(result.probes[first.id].outputs[first.outputs[0]], torch.zeros(3))


def test_the_job_carries_the_lessons_limits() -> None:
    _, backend = run([Attempt()])
    job, limits = backend.jobs[0], SPEC.limits
    assert (job.memory_mb, job.max_processes, job.max_file_mb) == \
        (limits.memory_mb, limits.max_processes, limits.max_file_mb)
    assert (job.scratch_mb, job.max_files, job.open_files, job.poll_s) == \
        (limits.scratch_mb, limits.max_files, limits.open_files, limits.watch_poll_s)
    assert job.max_output_bytes == limits.max_output_kb * 1024
    assert job.wall_time_s <= limits.time_s


@pytest.mark.parametrize("attempt,status,words", [
    (Attempt(exit_code=1), "crashed", "exited with code 1 in the middle of this check"),
    (Attempt(exit_code=None, signal=signal.SIGKILL, timed_out=True), "timeout",
     "time limit ran out"),
    (Attempt(exit_code=None, signal=signal.SIGXCPU), "crashed", "SIGXCPU (over the CPU-time"),
    (Attempt(exit_code=None, signal=signal.SIGKILL, stopped="made more than 2000 files"),
     "crashed", "stopped by the grader: your code made more than 2000 files"),
    (Attempt(exit_code=None, signal=signal.SIGBUS), "crashed",
     f"shared memory ran out, /dev/shm, which holds at most {SPEC.limits.scratch_mb} MB"),
], ids=["exit", "timeout", "cpu", "watch", "shm"])
def test_a_run_that_ends_inside_a_probe_costs_that_probe_and_the_rest_run_again(
        attempt: Attempt, status: str, words: str) -> None:
    victim = PROBES[1]
    attempt.stop_in = victim
    attempt.stdout = "first\n"
    result, backend = run([attempt, Attempt(stdout="second\n")])
    assert [[p["id"] for p in plan["probes"]] for plan in backend.plans] == \
        [PROBES, PROBES[2:]]
    assert result.probes[victim].status == status and words in result.probes[victim].error
    assert all(result.probes[p].status == "ok" for p in PROBES if p != victim)
    assert result.stdout == "first\nsecond\n"


def _lost(stop_in: str | None, loaded: bool | None = True) -> Attempt:
    return Attempt(stop_in=stop_in, loaded=loaded, exit_code=None, signal=signal.SIGKILL,
                   worker_lost=True)


@pytest.mark.parametrize("where", ["probe", "loading"])
def test_a_warm_worker_lost_once_costs_nothing(where: str) -> None:
    """A warm worker that dies in the middle of a job (no limit stopped it) may be this
    machine's fault: what it was running runs again, and nothing is lost."""
    victim = PROBES[1]
    first = _lost(victim) if where == "probe" else _lost(None, loaded=None)
    result, backend = run([first, Attempt()])
    again = PROBES[1:] if where == "probe" else PROBES
    assert [[p["id"] for p in plan["probes"]] for plan in backend.plans] == [PROBES, again]
    assert all(result.probes[p].status == "ok" for p in PROBES) and result.loaded


def test_a_warm_worker_lost_twice_in_one_probe_costs_that_probe() -> None:
    """The second time, it is the code's doing (it kills what it did not start, say): the
    probe is charged, and says what happened, not a bare SIGKILL."""
    victim = PROBES[1]
    result, backend = run([_lost(victim), _lost(victim), Attempt()])
    assert len(backend.plans) == 3
    assert result.probes[victim].status == "crashed"
    assert "killed, in a second run too" in (result.probes[victim].error or "")
    assert all(result.probes[p].status == "ok" for p in PROBES
               if p.split("__")[0] != victim.split("__")[0])


def test_crashing_in_every_probe_stops_after_the_last_attempt() -> None:
    # a crash in a probe ends its boundary cases too (they would cost a sandbox each)
    bases = [p.id for p in SPEC.probes if not p.trusted_only]
    attempts = [Attempt(stop_in=p, exit_code=1) for p in bases[:MAX_ATTEMPTS]]
    result, backend = run(attempts)
    assert len(backend.plans) == MAX_ATTEMPTS
    crashed = [p for p in PROBES if p.split("__")[0] in bases[:MAX_ATTEMPTS]]
    assert len(crashed) > MAX_ATTEMPTS
    assert [result.probes[p].status for p in crashed] == ["crashed"] * len(crashed)
    for p in PROBES:
        if p not in crashed:
            assert result.probes[p].error == "not run: too many crashes"


def test_code_that_does_not_load_is_not_run_again() -> None:
    result, backend = run([Attempt(loaded=False)])
    assert len(backend.plans) == 1 and not result.loaded
    assert [e.type for e in result.load_errors] == ["SyntaxError"]
    assert {o.status for o in result.probes.values()} == {"timeout"}
    assert all("invalid syntax" in (o.error or "") for o in result.probes.values())


def test_dying_before_loading_says_so_for_every_probe() -> None:
    result, backend = run([Attempt(loaded=None, exit_code=None, signal=signal.SIGKILL)])
    assert len(backend.plans) == 1
    for o in result.probes.values():
        assert o.status == "error"
        assert o.error == "your code did not finish loading: the process was killed by SIGKILL"


def test_one_forged_event_voids_the_whole_run() -> None:
    forged = '{"event": "done", "probe": "x", "status": "ok", "score": 100}\n'
    result, _ = run([Attempt(raw_events=[forged])])
    for o in result.probes.values():
        assert o.status == "error" and "nothing from this run can be trusted" in o.error


def test_truncated_output_is_noted_once() -> None:
    victim = PROBES[0]
    result, _ = run([Attempt(stop_in=victim, exit_code=1, truncated=True),
                     Attempt(truncated=True)])
    assert sum("output shown is truncated" in n for n in result.notes) == 1


def test_a_time_limit_caps_every_probe(tmp_path: Path) -> None:
    _, backend = run([Attempt()], time_limit_s=2.0)
    assert all(p["timeout_s"] <= 2.0 for p in backend.plans[0]["probes"])
    assert backend.jobs[0].wall_time_s <= 2.0
