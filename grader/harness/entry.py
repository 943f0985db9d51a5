"""Inside the sandbox: load the submission's code and run each probe with a time limit.

Probes with a time budget run once more, each in a process of its own timed from outside
by a supervisor that never loads the submission (``timed.py``)."""

from __future__ import annotations

import json
import linecache
import os
import signal
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import torch
from safetensors.torch import load

from .runner import ProbeTimeout, available_devices, run_probe
from .tensorfile import load_trusted
from .tensorfile import save as save_tensors
from .timed import receive_inputs, supervise
from .values import SpecBug, encode


class _Events:
    """Append-only JSON-lines channel to the trusted side, flushed after every event.

    Flushed, not fsynced: the trusted side reads the file after this process has ended,
    through the same page cache, so every flushed line is there even when the process is
    killed in the middle of a probe; an fsync (several ms on a busy disk, 2 per probe)
    would only guard against the machine itself crashing, when nothing is graded anyway."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._f: TextIO = path.open("a", encoding="utf-8")

    def emit(self, **event: Any) -> None:
        line = json.dumps(event, ensure_ascii=False, allow_nan=False)
        # text from the submission (an error message) may hold lone surrogates, which are
        # not valid in the channel: they become "?"
        self._f.write(line.encode("utf-8", "replace").decode("utf-8") + "\n")
        self._f.flush()


def _alarm(seconds: float) -> None:
    def on_alarm(signum: int, frame: Any) -> None:
        raise ProbeTimeout()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _cancel_alarm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)


def _load(plan: dict[str, Any], workdir: Path) -> tuple[types.ModuleType, list[dict[str, Any]]]:
    """Execute the submission's cells in a fresh module; errors are collected per cell."""
    stem = plan["module_name"]
    module = types.ModuleType(stem)
    module.__file__ = f"<{stem}>"
    sys.modules[stem] = module
    cells = json.loads((workdir / plan["cells_file"]).read_text())
    errors: list[dict[str, Any]] = []
    for cell in cells:
        filename = cell["filename"]
        source = cell["source"]
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            code = compile(source, filename, "exec")
            exec(code, module.__dict__)  # noqa: S102 - this is the sandbox
        except ProbeTimeout:
            raise
        except SyntaxError as exc:
            errors.append({"cell": cell["label"], "type": "SyntaxError",
                           "message": f"{exc.msg} (line {exc.lineno})"})
        except BaseException as exc:  # noqa: BLE001 - SystemExit and friends included
            tb = exc.__traceback__
            line = None
            while tb is not None:
                if tb.tb_frame.f_code.co_filename == filename:
                    line = tb.tb_lineno
                tb = tb.tb_next
            errors.append({"cell": cell["label"], "type": type(exc).__name__,
                           "message": str(exc)[:1000], "line": line})
    return module, errors


def run(workdir: Path, plan: dict[str, Any]) -> int:
    """Run the plan; with timed probes, as their supervisor (``timed.py``)."""
    if plan.get("timed"):
        def finished() -> None:
            _Events(workdir / "out" / "events.jsonl").emit(event="finished")

        return supervise(workdir, plan, _run_main, _run_timed, finished)
    return _run_main(workdir, plan, None)


def _run_main(workdir: Path, plan: dict[str, Any],
              completed: Callable[[], None] | None) -> int:
    """Load the submission and run every (untimed) probe of the plan."""
    out = workdir / "out"
    events = _Events(out / "events.jsonl")
    torch.set_num_threads(int(plan.get("threads", 1)))
    inputs: dict[str, Any] = load_trusted(workdir / "inputs.safetensors")
    inputs.update(plan["dims"])
    # what the probes may run on, found before any student code runs
    plan["devices"] = available_devices(plan["probes"])
    os.chdir(workdir / "home")
    t0 = time.perf_counter()
    try:
        _alarm(float(plan["load_timeout_s"]))
        module, errors = _load(plan, workdir)
        _cancel_alarm()
    except ProbeTimeout:
        events.emit(event="loaded", ok=False, errors=[{
            "cell": "top level", "type": "Timeout",
            "message": f"loading the submission took longer than {plan['load_timeout_s']} s"}],
            elapsed_s=time.perf_counter() - t0)
        return 3
    events.emit(event="loaded", ok=True, errors=errors, elapsed_s=time.perf_counter() - t0)
    for probe in plan["probes"]:
        _run_one(module, probe, inputs, events, plan)
    if completed is not None:
        completed()  # the supervisor says "finished" once the timed probes have run too
    else:
        events.emit(event="finished")
    return 0


def _run_timed(workdir: Path, plan: dict[str, Any], entry: dict[str, Any], ready_fd: int,
               data_fd: int) -> int:
    """In the timed child: load the submission, then (once the supervisor hands them over)
    run one probe on its fresh inputs."""
    events = _Events(workdir / "out" / "events.jsonl")
    torch.set_num_threads(int(plan.get("threads", 1)))
    plan["devices"] = available_devices([entry["probe"]])
    os.chdir(workdir / "home")
    try:
        _alarm(float(plan["load_timeout_s"]))
        module, _errors = _load(plan, workdir)  # the main run reported them
        _cancel_alarm()
    except ProbeTimeout:
        return 3
    inputs: dict[str, Any] = dict(load(receive_inputs(ready_fd, data_fd)))
    inputs.update(plan["dims"])
    _run_one(module, entry["probe"], inputs, events, plan)
    return 0


def _run_one(module: types.ModuleType, probe: dict[str, Any], inputs: dict[str, Any],
             events: _Events, plan: dict[str, Any]) -> None:
    """Run one probe under its time limit and write what it returned."""
    out = events.path.parent
    student_files = ("<cell", f"<{plan['module_name']}")
    events.emit(event="start", probe=probe["id"])
    try:
        _alarm(float(probe["timeout_s"]))
        result = run_probe(module, probe, inputs, int(probe["seed"]),
                           student_files=student_files, enforce=True,
                           devices=tuple(plan.get("devices", ("cpu",))))
        _cancel_alarm()
    except ProbeTimeout:
        events.emit(event="done", probe=probe["id"], status="timeout",
                    error=f"took longer than {probe['timeout_s']} s", outputs={},
                    violations=[], elapsed_s=float(probe["timeout_s"]), step_times=[])
        return
    except SpecBug as exc:  # the spec, not the student: the trusted side confirms it
        _cancel_alarm()
        events.emit(event="done", probe=probe["id"], status="grader_error",
                    error=str(exc)[:1000], outputs={}, violations=[], elapsed_s=0.0,
                    step_times=[])
        return
    descriptors: dict[str, Any] = {}
    tensors: dict[str, torch.Tensor] = {}
    try:
        for name, value in result["outputs"].items():
            desc, ts = encode(value, f"{probe['id']}/{name}")
            descriptors[name] = desc
            tensors.update(ts)
    except (ValueError, RuntimeError, OverflowError) as exc:
        result.update(status="error", error=f"could not read the result: {exc}")
        descriptors, tensors = {}, {}
    save_tensors(tensors, out / f"{probe['id']}.safetensors")
    events.emit(event="done", probe=probe["id"], status=result["status"],
                error=result["error"], outputs=descriptors,
                violations=result["violations"], elapsed_s=result["elapsed_s"],
                step_times=result["step_times"],
                **({"device": result["device"]} if result.get("device") else {}))
