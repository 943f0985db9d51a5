"""The ``process`` backend: a child process with resource limits and a scrubbed environment.

What it holds: CPU, wall time (the whole process group is killed), address space, file
size, core dumps, open files, the files and processes a run makes (watched from outside,
``watch.py``), a clean environment, a private work folder, and an interpreter started
isolated (``-I -S``) with a controlled ``sys.path``. What it cannot hold, running as the
grader's user beside the grader: files elsewhere on the machine stay readable and
writable by path, the network is open, /tmp and /dev/shm are the machine's, /proc shows
the grader (and signals reach it), and a daemon that calls setsid outlives the run (see
README, "What the process sandbox does not hold"). Use bwrap or docker for untrusted
submissions.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from grader.harness.limits import apply_limits
from grader.sandbox.base import SandboxJob, SandboxOutcome, limits_of
from grader.sandbox.watch import Watch, kill_tree


def _drain(stream: IO[bytes], limit: int, sink: list[bytes], truncated: list[bool]) -> None:
    """Keep the first ``limit`` bytes of a stream and discard the rest, never blocking it."""
    kept = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        if kept < limit:
            sink.append(chunk[: limit - kept])
            kept += len(sink[-1])
        if kept >= limit and len(chunk):
            truncated[0] = True
    stream.close()


def clean_env(job: SandboxJob) -> dict[str, str]:
    threads = str(job.threads)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(job.workdir / "home"),
        "TMPDIR": str(job.workdir / "home"),
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "CUDA_VISIBLE_DEVICES": "" if not job.gpu else os.environ.get("CUDA_VISIBLE_DEVICES", "0"),
        # plotting works headless and writes its caches in the job's own folder
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(job.workdir / "home"),
    }
    env.update(job.env)
    return env


def kill_group(pid: int) -> None:
    for sig in (signal.SIGKILL,):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


class ProcessBackend:
    name = "process"
    hides_files = False
    supports_gpu = True  # the host's CUDA devices, when --gpu asks for them

    def check_available(self) -> None:
        return None

    def command(self, job: SandboxJob) -> list[str]:
        main = job.workdir / "lib" / "harness" / "main.py"
        return [sys.executable, "-I", "-S", "-B", str(main), str(job.workdir)]

    def run(self, job: SandboxJob) -> SandboxOutcome:
        limits = limits_of(job)

        def preexec() -> None:  # runs in the child, before exec
            os.setsid()
            apply_limits(limits)

        return run_with_limits(self.command(job), job, preexec, cwd=str(job.workdir / "home"))

    def zygote_command(self, pool: Path) -> list[str]:
        """The warm worker for a pool folder (see ``warm.py``): a plain process."""
        return [sys.executable, "-I", "-S", "-B", str(pool / "lib" / "harness" / "zygote.py"),
                str(pool)]

    def zygote_view(self, pool: Path) -> Path:
        """Where the worker sees the pool folder."""
        return pool


def run_with_limits(cmd: list[str], job: SandboxJob, preexec: object, cwd: str,
                    base_tasks: int = 0) -> SandboxOutcome:
    """Start ``cmd``, cap its output, enforce the wall time, watch its files and processes
    (``watch.py``; ``base_tasks`` are the wrapper's own), the memory of all its processes
    together, and kill its whole tree."""
    start = time.monotonic()
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=clean_env(job), cwd=cwd, preexec_fn=preexec,  # type: ignore[arg-type]
        close_fds=True,
    )
    out: list[bytes] = []
    err: list[bytes] = []
    trunc = [False]
    readers = [threading.Thread(target=_drain, args=(proc.stdout, job.max_output_bytes, out, trunc),
                                daemon=True),
               threading.Thread(target=_drain, args=(proc.stderr, job.max_output_bytes, err, trunc),
                                daemon=True)]
    for r in readers:
        r.start()
    watch = Watch([job.workdir], lambda: kill_tree(proc.pid), root=proc.pid,
                  max_tasks=job.max_processes, base_tasks=base_tasks,
                  max_memory_mb=job.memory_mb)
    timed_out = False
    try:
        proc.wait(timeout=job.wall_time_s)
    except subprocess.TimeoutExpired:
        timed_out = True
    stopped = watch.close()
    kill_tree(proc.pid)  # also ends anything it left behind below it or in its group
    proc.wait()
    for r in readers:
        r.join(timeout=2)
    code = proc.returncode
    sig = -code if code is not None and code < 0 else None
    stderr = b"".join(err).decode("utf-8", "replace")
    return SandboxOutcome(
        exit_code=code, timed_out=timed_out, signal=sig, duration_s=time.monotonic() - start,
        stdout=b"".join(out).decode("utf-8", "replace"), stderr=stderr,
        output_truncated=trunc[0],
        memory_exceeded="MemoryError" in stderr or "DefaultCPUAllocator" in stderr,
        stopped=stopped,
    )
