"""Time budgets measured from outside the student's code, by the kernel's CPU accounting.

A time budget cannot be measured by the process that runs the student's code: anything in
that process (``time.perf_counter``, ``time.process_time``, ``os.times``, ``resource``,
the harness itself) can be replaced by the submission. So when a plan has timed probes,
the harness process, *before it loads any student code*, becomes a supervisor ``P``:

1. ``P`` opens each timed probe's inputs file (drawn fresh on the trusted side, apart from
   the main inputs) and unlinks it, so that no path leads to it; it makes itself
   non-dumpable (its ``/proc/<pid>/fd`` and memory are closed to the same user) and a
   child subreaper (every orphan of the job comes back to it).
2. ``P`` forks ``C``, which closes those files and is the ordinary harness: it loads the
   submission and runs every other probe. ``P`` waits for it, then kills whatever it left.
3. For each timed probe, ``P`` forks ``T``, which closes the files it is not meant to have,
   loads the submission afresh and says it is ready. Only then does ``P`` note ``T``'s CPU
   time so far (``/proc/<T>/stat``: user, system and waited-for children), read the inputs
   and hand them to ``T`` through a pipe. ``T`` runs the probe and writes its outputs like
   any probe. When ``T`` has exited and ``P`` has killed and reaped everything it left, the
   CPU time the kernel charged to ``P``'s children since ``T`` was forked, less what
   ``T`` had used before the inputs arrived, is the probe's time: ``T``'s threads, the
   processes it started and waited for, and (through the subreaper) those it did not.
4. ``P`` writes ``out/timing.json`` once every process of the submission is gone, then
   the ``finished`` event, and exits 0. The trusted side reads the file only from a run
   that ended with exit code 0 and no signal: a submission that kills ``P`` (it can, as the
   same user) takes its own processes down with it (``PR_SET_PDEATHSIG``) and leaves no
   accepted timing.

What it holds: a replaced clock, ``resource``, ``os.times`` (none of them is read);
work done in threads or child processes (charged all the same); precomputing at import
time (the timed inputs are drawn apart, reach no process before ``T`` is ready, and the
answer is checked against the reference's on them); a fast wrong answer in the timed run
(its output must match). Residual limits: CPU time is the kernel's, at clock-tick
resolution (10 ms), and includes the harness's own work in ``T`` after the inputs arrive
(decoding them, encoding the outputs: milliseconds), so budgets should be well above
that; work that does not depend on the inputs (building index tables for the given
sizes, which are in the plan) can still be done before ``T`` says it is ready; and a
submission can make its timed run slower, never faster.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
TIMING_FILE = "timing.json"
COMPLETED = b"completed"


def _prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _children_of(me: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 1 and fields[1] == str(me).encode():
            kids.append(int(entry))
    return kids


def _kill_all_children() -> None:
    """SIGKILL every child (orphans come to us: we are a subreaper) until none is left,
    reaping them, so that the kernel has charged all their CPU time to us."""
    me = os.getpid()
    for _ in range(500):
        kids = _children_of(me)
        if not kids:
            break
        for pid in kids:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        _reap()
        time.sleep(0.002)
    _reap()


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _cpu_of(pid: int) -> float | None:
    """CPU seconds ``pid`` has used so far, with its waited-for children (the kernel's
    count; nothing the process can change)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        ticks = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    except (OSError, IndexError, ValueError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def _wait(pid: int, seconds: float) -> int | None:
    """The wait status of child ``pid``, killing it (and its group) after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            os.waitpid(pid, 0)
            return None
        time.sleep(0.005)


def _become_child(keep: set[int], close: list[int]) -> None:
    """In a freshly forked C or T: die with the supervisor, be dumpable again (the
    sandbox's watch reads our /proc entries), and hold none of the timed inputs."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the supervisor is already gone
        os._exit(70)
    _prctl(PR_SET_DUMPABLE, 1)
    for fd in close:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _exit_like(status: int) -> int:
    """Leave the way a child did: with its exit code, or killed by its signal."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            sig = signal.SIGKILL
        os.kill(os.getpid(), sig)
        os.kill(os.getpid(), signal.SIGKILL)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1


def supervise(workdir: Path, plan: dict[str, Any],
              run_main: Callable[[Path, dict[str, Any], Callable[[], None]], int],
              run_timed: Callable[[Path, dict[str, Any], dict[str, Any], int, int], int],
              emit_finished: Callable[[], None]) -> int:
    """Run the plan as supervisor ``P`` (see the module docstring); returns the exit code.

    ``run_main(workdir, plan, completed)`` is the ordinary harness (it calls ``completed``
    when every probe has run); ``run_timed(workdir, plan, entry, ready_fd, data_fd)`` runs
    one timed probe in ``T``."""
    timed = list(plan["timed"])
    fds: list[int] = []
    for entry in timed:
        path = workdir / entry["inputs_file"]
        fds.append(os.open(path, os.O_RDONLY | os.O_NOFOLLOW))
        os.unlink(path)
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    # C: the ordinary harness, for every other probe
    status_r, status_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.close(status_r)
            _become_child({status_w}, fds)

            def completed() -> None:
                os.write(status_w, COMPLETED)

            code = run_main(workdir, plan, completed)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(status_w)
    status = _wait(pid, float(plan.get("main_wall_s", 3600)))
    ok = _read_all(status_r) == COMPLETED
    os.close(status_r)
    _kill_all_children()
    if status is None or not ok:
        return 1 if status is None else _exit_like(status)
    seconds: dict[str, float] = {}
    for i, entry in enumerate(timed):
        cpu = _run_one(workdir, plan, entry, fds, i, run_timed)
        if cpu is not None:
            seconds[entry["probe"]["id"]] = round(cpu, 6)
    _write_timing(workdir / "out", seconds)
    emit_finished()
    return 0


def _run_one(workdir: Path, plan: dict[str, Any], entry: dict[str, Any], fds: list[int],
             i: int, run_timed: Callable[[Path, dict[str, Any], dict[str, Any], int, int],
                                          int]) -> float | None:
    """Fork T for timed probe ``i``, hand it its inputs once it is ready; its CPU time."""
    ready_r, ready_w = os.pipe()
    data_r, data_w = os.pipe()
    before = _children_cpu()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.close(ready_r)
            os.close(data_w)
            _become_child({ready_w, data_r}, fds)
            code = run_timed(workdir, plan, entry, ready_w, data_r)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(ready_w)
    os.close(data_r)
    snapshot: float | None = None
    try:
        load_s = float(plan.get("load_timeout_s", 30))
        readable, _, _ = select.select([ready_r], [], [], load_s)
        if readable and os.read(ready_r, 1):
            snapshot = _cpu_of(pid)
            data = os.pread(fds[i], os.fstat(fds[i]).st_size, 0)
            _write_all(data_w, struct.pack("<Q", len(data)) + data)
    except OSError:
        snapshot = None
    finally:
        os.close(ready_r)
        os.close(data_w)
    status = _wait(pid, float(entry["probe"]["timeout_s"]) + 5 if snapshot is not None else 0.5)
    _kill_all_children()
    if snapshot is None or status is None or not os.WIFEXITED(status) \
            or os.WEXITSTATUS(status) != 0:
        return None
    return max(0.0, _children_cpu() - before - snapshot)


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk or sum(map(len, chunks)) > 64:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_timing(out: Path, seconds: dict[str, float]) -> None:
    """Write the timing record afresh: whatever the submission left under that name goes."""
    try:
        if not os.path.isdir(out) or os.path.islink(out):
            return
        target = out / TIMING_FILE
        try:
            os.unlink(target)
        except IsADirectoryError:
            os.rename(target, out / f".{TIMING_FILE}.{os.getpid()}")
        except FileNotFoundError:
            pass
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(seconds, f)
    except OSError:
        return


def receive_inputs(ready_fd: int, data_fd: int) -> bytes:
    """In T, once the submission is loaded: say so, then wait for the inputs."""
    os.write(ready_fd, b"r")
    os.close(ready_fd)
    header = _read_exact(data_fd, 8)
    (n,) = struct.unpack("<Q", header)
    data = _read_exact(data_fd, n)
    os.close(data_fd)
    return data


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    left = n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the supervisor closed the inputs early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
