"""Run a submission's probes in a sandbox and collect their outcomes as validated data.

Prepares a fresh work folder (a copy of the harness, the plan, the inputs, the cells),
starts the backend, reads the events and tensors back through ``channel``. If the
process dies or times out in the middle of a probe, that probe is marked and the rest
run again in a fresh sandbox, so one infinite loop does not cost every check.
"""

from __future__ import annotations

import atexit
import json
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

import grader.sandbox.channel as channel
from grader.course.inputs import derive_seed
from grader.course.spec import LessonSpec, Limits, Probe, base_of
from grader.harness.tensorfile import save as save_tensors
from grader.harness.timed import TIMING_FILE
from grader.sandbox.base import (
    HARNESS_DIR,
    Backend,
    SandboxJob,
    SandboxOutcome,
    host_site_paths,
)

MAX_ATTEMPTS = 4


@dataclass
class ProbeOutcome:
    status: str  # ok | error | timeout | crashed | grader_error (the harness says: the spec)
    error: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    step_times: list[float] = field(default_factory=list)
    cpu_s: float | None = None  # a timed run's CPU time, measured outside the submission
    device: str | None = None  # where a probe that names devices ran (the sandbox says)


@dataclass
class SandboxRun:
    probes: dict[str, ProbeOutcome]
    load_errors: list[channel.CellError]
    stdout: str
    stderr: str
    notes: list[str]
    loaded: bool
    isolation: str | None = None  # what the sandbox reported it enforced, run by run


def job_for(workdir: Path, limits: Limits, *, wall_time_s: float, threads: int = 1,
            gpu: bool = False) -> SandboxJob:
    """A job for ``workdir`` under a lesson's ``limits``."""
    return SandboxJob(workdir=workdir, wall_time_s=wall_time_s, memory_mb=limits.memory_mb,
                      max_processes=limits.max_processes, max_file_mb=limits.max_file_mb,
                      max_output_bytes=limits.max_output_kb * 1024,
                      scratch_mb=limits.scratch_mb, max_files=limits.max_files,
                      open_files=limits.open_files, poll_s=limits.watch_poll_s,
                      threads=threads, gpu=gpu)


class _Janitor:
    """Removes finished jobs' folders in a thread of its own: off the grading's critical
    path (~3 ms of unlink and rmdir on this machine's disk, a folder of a few files, paid
    by every grading before its result). At exit, whatever is still queued is removed
    before the process ends."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tempfile.TemporaryDirectory[str] | None] = \
            queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def remove(self, folder: tempfile.TemporaryDirectory[str]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():  # (none after a fork)
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="job-folder-janitor")
                self._thread.start()
                atexit.register(self._finish, self._thread)
        self._queue.put(folder)

    def _run(self) -> None:
        while (folder := self._queue.get()) is not None:
            folder.cleanup()

    def _finish(self, thread: threading.Thread) -> None:
        self._queue.put(None)
        thread.join()


_JANITOR = _Janitor()


def probe_seed(seed: int, probe_id: str) -> int:
    return derive_seed(seed, "probe", probe_id) % (2**31)


def prepare_workdir(base: Path, spec: LessonSpec, cells: list[dict[str, str]],
                    inputs: dict[str, torch.Tensor], dims: dict[str, int], probes: list[Probe],
                    seed: int, threads: int, probe_timeout_s: float | None = None,
                    site: list[str] | None = None, harness: bool = True,
                    timed: dict[str, dict[str, torch.Tensor]] | None = None) -> Path:
    """A fresh work folder for one run; ``harness``: with its own copy of the harness in
    lib/ (a warm worker has its own). ``timed``: probe instance id -> its fresh inputs, for
    the probes among ``probes`` that run timed (``harness/timed.py``); their inputs go in
    files of their own, which the harness's supervisor takes away before any student code
    runs."""
    work = Path(tempfile.mkdtemp(prefix="run-", dir=base))
    if harness:
        lib = work / "lib" / "harness"
        lib.mkdir(parents=True)
        for src in HARNESS_DIR.glob("*.py"):
            shutil.copy2(src, lib / src.name)
    (work / "home").mkdir()
    (work / "out").mkdir()
    timed = timed or {}

    def entry(p: Probe) -> dict[str, Any]:
        return {**p.model_dump(mode="json", exclude={"expect", "trusted_only", "cases"}),
                "timeout_s": min(p.timeout_s, probe_timeout_s or p.timeout_s),
                "seed": probe_seed(seed, p.id)}

    timed_entries = []
    for i, p in enumerate(x for x in probes if x.id in timed):
        name = f"timed-{i}.safetensors"
        save_tensors(timed[p.id], work / "out" / name)
        timed_entries.append({"probe": entry(p), "inputs_file": f"out/{name}"})
    plan = {
        "module_name": spec.lesson.stem,
        "cells_file": "cells.json",
        "site_paths": site if site is not None else host_site_paths(),
        "dims": dims,
        "threads": threads,
        "load_timeout_s": spec.limits.load_timeout_s,
        "probes": [entry(p) for p in probes if p.id not in timed],
        "timed": timed_entries,
    }
    (work / "plan.json").write_text(json.dumps(plan))
    (work / "cells.json").write_text(json.dumps(cells))
    save_tensors(inputs, work / "inputs.safetensors")
    return work


def _why(outcome: SandboxOutcome, limits: Limits) -> tuple[str, str]:
    """(status, message) for a run that ended in the middle of a probe."""
    memory_mb = limits.memory_mb
    if outcome.stopped:
        return "crashed", f"stopped by the grader: your code {outcome.stopped}"
    if outcome.worker_lost:
        return "crashed", ("the sandbox's process that ran your code was killed, in a second "
                           "run too (does your code kill processes it did not start?)")
    if outcome.timed_out:
        return "timeout", "the time limit ran out (an infinite loop, or far too slow?)"
    if outcome.memory_exceeded:
        return "crashed", f"ran out of memory (the limit is {memory_mb} MB)"
    if outcome.signal is not None:
        import signal as _signal  # noqa: PLC0415

        name = _signal.Signals(outcome.signal).name if outcome.signal in \
            {s.value for s in _signal.Signals} else str(outcome.signal)
        extra = " (over the CPU-time limit)" if name == "SIGXCPU" else \
            " (a file over the size limit)" if name == "SIGXFSZ" else \
            (" (a bus error: most often shared memory ran out, /dev/shm, which holds at "
             f"most {limits.scratch_mb} MB with every file your code writes; a DataLoader's "
             "workers pass batches through it)") if name == "SIGBUS" else ""
        return "crashed", f"the process was killed by {name}{extra}"
    return "crashed", (f"the process exited with code {outcome.exit_code} in the middle of "
                       "this check (sys.exit() or os._exit() in your code?)")


def _decode_outputs(done: channel.DoneEvent, folder: channel.JobFolder, probe: Probe,
                    budget: channel.Budget) -> ProbeOutcome:
    outputs: dict[str, Any] = {}
    if done.status == "ok":
        try:
            outputs = channel.read_outputs(folder, f"out/{probe.id}.safetensors", done.outputs,
                                           probe.outputs, budget)
        except channel.OverBudget as e:
            return ProbeOutcome("error", f"the result is too large to be graded ({e})")
    elif done.outputs:
        raise channel.ChannelError(f"probe {probe.id!r} did not succeed but has outputs")
    return ProbeOutcome(done.status, done.error, outputs, list(done.violations),
                        done.elapsed_s, list(done.step_times), device=done.device)


def _read_timing(outcome: SandboxOutcome, work: Path, results: dict[str, ProbeOutcome],
                 timed: dict[str, Any]) -> None:
    """Attach the supervisor's CPU times to the timed runs, from a run that ended cleanly
    (a submission that killed the supervisor leaves no timing that counts)."""
    clean = outcome.exit_code == 0 and outcome.signal is None and not outcome.timed_out \
        and not outcome.stopped
    if not timed or not clean:
        return
    try:
        with channel.JobFolder(work) as folder:  # nothing below it through a link
            seconds = channel.read_timing(folder, f"out/{TIMING_FILE}")
    except channel.ChannelError:
        return
    for pid in timed:
        if pid in results and pid in seconds:
            results[pid].cpu_s = seconds[pid]


def _once(fn: Callable[[], None]) -> Callable[[], None]:
    done = [False]

    def call() -> None:
        if not done[0]:
            done[0] = True
            fn()
    return call


def run_submission(backend: Backend, spec: LessonSpec, cells: list[dict[str, str]],
                   inputs: dict[str, torch.Tensor], dims: dict[str, int], seed: int, *,
                   time_limit_s: float | None = None, threads: int = 1, gpu: bool = False,
                   on_progress: Callable[[str], None] | None = None,
                   timed: dict[str, dict[str, torch.Tensor]] | None = None,
                   meanwhile: Callable[[], None] | None = None) -> SandboxRun:
    """Run every probe instance of ``spec`` (and, for ``timed``, probe instance id -> its
    fresh inputs, the timed runs) and read back what they returned. ``meanwhile`` is
    called once, as soon as the first job is under way in the sandbox (or after it, where
    the backend does not say): the caller's own work then runs while the sandbox does,
    without slowing this thread's preparation of the job (threads of one process take
    turns at Python)."""
    if meanwhile is not None:
        meanwhile = _once(meanwhile)
    timed = timed or {}
    probes = spec.sandbox_probes() + [spec.probe(pid) for pid in timed]
    results: dict[str, ProbeOutcome] = {}
    load_errors: list[channel.CellError] = []
    stdout_parts: list[str] = []
    stderr_parts: list[str] = []
    notes: list[str] = []
    killed_for_memory = False
    loaded = True
    truncated = False  # noted once, however many runs it took
    isolation: str | None = None
    limits = spec.limits
    budget = channel.Budget()  # for the whole run, every attempt together
    # a warm worker lost in the middle of a job (``worker_lost``) may be this machine's
    # fault: the first time, what it was running runs again rather than costing points
    lost_once = False
    load_seen = False
    # removed once the result is read (by the janitor: the grading does not wait for it)
    folder_of_jobs = tempfile.TemporaryDirectory(prefix="grade-", ignore_cleanup_errors=True)
    try:
        base = folder_of_jobs.name
        remaining = probes
        for attempt in range(MAX_ATTEMPTS):
            if not remaining:
                break
            timed_now = {p.id: timed[p.id] for p in remaining if p.id in timed}
            wall = min(time_limit_s or limits.time_s,
                       limits.load_timeout_s * (1 + len(timed_now))
                       + sum(p.timeout_s for p in remaining) + 10)
            work = prepare_workdir(Path(base), spec, cells, inputs, dims, remaining, seed,
                                   threads, time_limit_s, site=backend.site_paths(),
                                   harness=not backend.is_warm_pool, timed=timed_now)
            job = job_for(work, limits, wall_time_s=wall, threads=threads, gpu=gpu)
            if meanwhile is not None:
                job = replace(job, on_started=meanwhile)
            if on_progress:
                on_progress(f"running {len(remaining)} probe(s) in the {backend.name} sandbox"
                            + (f" (attempt {attempt + 1})" if attempt else ""))
            outcome = backend.run(job)
            if meanwhile is not None:
                meanwhile()  # (a no-op where the backend already said it had started)
                meanwhile = None
            isolation = outcome.isolation or isolation
            stdout_parts.append(outcome.stdout)
            stderr_parts.append(outcome.stderr)
            if outcome.output_truncated and not truncated:
                truncated = True
                notes.append(f"your program printed more than {limits.max_output_kb} KB; "
                             "the output shown is truncated")
            if outcome.memory_exceeded and not killed_for_memory:
                # said whatever the probe then did (a parent waiting on a child the kernel
                # killed for memory times out: the timeout alone would hide why)
                killed_for_memory = True
                notes.append(f"your code went over the memory limit ({limits.memory_mb} MB, all "
                             "its processes together) and a process of it was killed")
            try:
                # the job's folder once, then nothing below it through a link
                folder = channel.JobFolder(work)
            except channel.ChannelError as e:
                for p in remaining:
                    results.setdefault(p.id, ProbeOutcome(
                        "error", f"your code moved or replaced its work folder, so no result "
                                 f"could be read ({e})"))
                break
            try:
                events = channel.read_events(folder, "out/events.jsonl")
                started: str | None = None
                got_loaded = False
                finished = False
                for ev in events:
                    if isinstance(ev, channel.LoadedEvent):
                        got_loaded = True
                        if not load_seen:  # (the first run that got as far)
                            load_seen = True
                            load_errors = list(ev.errors)
                        if not ev.ok:
                            loaded = False
                    elif isinstance(ev, channel.StartEvent):
                        started = ev.probe
                    elif isinstance(ev, channel.DoneEvent):
                        probe = next((p for p in remaining if p.id == ev.probe), None)
                        if probe is not None and ev.probe not in results:
                            results[ev.probe] = _decode_outputs(ev, folder, probe, budget)
                        started = None
                    else:
                        finished = True
            except channel.ChannelError as e:
                for p in remaining:  # this run's results too, even those read before the fault
                    results[p.id] = ProbeOutcome(
                        "error", f"the sandbox returned malformed output ({e}); nothing from "
                                 "this run can be trusted")
                break
            finally:
                folder.close()
            if not loaded:
                msg = "; ".join(f"{e.cell}: {e.message}" for e in load_errors) or \
                    "the submission could not be loaded"
                for p in remaining:
                    results.setdefault(p.id, ProbeOutcome("timeout", msg))
                break
            if outcome.worker_lost and not lost_once and not finished:
                lost_once = True
                remaining = [p for p in remaining if p.id not in results]
                continue
            if not got_loaded:
                status, why = _why(outcome, limits)
                for p in remaining:
                    results.setdefault(p.id, ProbeOutcome(
                        status if status == "timeout" else "error",
                        f"your code did not finish loading: {why}"))
                break
            if finished:
                _read_timing(outcome, work, results, timed_now)
                break
            if started is not None:
                status, why = _why(outcome, limits)
                results[started] = ProbeOutcome(status, why)
                # the probe's other instances (its boundary cases, its timed run) would most
                # likely end the same way: each would cost a fresh sandbox for nothing
                for p in remaining:
                    if base_of(p.id) == base_of(started) and p.id not in results:
                        results[p.id] = ProbeOutcome(status, why)
            remaining = [p for p in remaining if p.id not in results]
        for p in remaining:
            results.setdefault(p.id, ProbeOutcome("error", "not run: too many crashes"))
    finally:
        _JANITOR.remove(folder_of_jobs)
    if meanwhile is not None:  # nothing ran
        meanwhile()
    return SandboxRun(results, load_errors, "".join(stdout_parts), "".join(stderr_parts), notes,
                      loaded, isolation)
