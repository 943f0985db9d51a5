"""The sandbox interface: a job (a prepared work folder and limits) in, an outcome out.

A backend is a small class in its own module that satisfies ``Backend``; what it can do is
said by attributes (``hides_files``, ``isolates_network``, ``supports_gpu``,
``has_own_python``, ``supports_warm``), never found out by probing for methods. One that
can host warm workers (``warm.py``) also satisfies ``WarmHost``.

The limits a job runs under are the lesson's ``[limits]`` (``grader/course/spec.py``
``Limits``: the one place their defaults live), copied into the job by ``run.py``.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from grader.errors import SandboxError

if TYPE_CHECKING:
    from grader.sandbox.users import Lease

__all__ = ["HARNESS_DIR", "NO_SANDBOX_ENV", "Backend", "SandboxError", "SandboxJob",
           "SandboxOutcome", "WarmHost", "host_site_paths", "limits_of", "python_roots",
           "refuse_if_switched_off"]

HARNESS_DIR = Path(__file__).resolve().parents[1] / "harness"  # copied next to student code

# Set (to anything) where no sandbox may start: the fast test layer sets it, so that a test
# there which starts one fails at once (it belongs to the slow layer), in this process and
# in any `grade` process it starts.
NO_SANDBOX_ENV = "GRADER_NO_SANDBOX"


def refuse_if_switched_off(what: str) -> None:
    """Raise ``SandboxError`` when starting sandboxes is switched off (``NO_SANDBOX_ENV``)."""
    if os.environ.get(NO_SANDBOX_ENV):
        raise SandboxError(f"{what}: starting a sandbox is switched off here ({NO_SANDBOX_ENV} "
                           "is set; a test that starts one must be marked slow)")


@dataclass(frozen=True)
class SandboxJob:
    """Everything a backend needs: the work folder holds lib/, plan.json, inputs, home/, out/.

    The limits come from the lesson's ``Limits`` (see ``run.job_for``)."""

    workdir: Path
    wall_time_s: float
    memory_mb: int
    max_processes: int
    max_file_mb: int  # each file
    max_output_bytes: int  # stdout and stderr, each
    scratch_mb: int  # all the files the job writes, together (watched from outside)
    max_files: int  # how many files and folders it may make (watched from outside)
    open_files: int  # RLIMIT_NOFILE
    poll_s: float  # how often the watch looks
    threads: int = 1
    gpu: bool = False
    env: dict[str, str] = field(default_factory=dict)
    # called by the backend once the job is under way (its process started): the caller's
    # own work then overlaps it. The caller makes it safe to call again (after ``run``).
    on_started: Callable[[], None] | None = None

    def started(self) -> None:
        """Say that the job is under way (``on_started``)."""
        if self.on_started is not None:
            self.on_started()


def limits_of(job: SandboxJob) -> dict[str, int]:
    """The resource limits of ``job`` as ``harness.limits.apply_limits`` takes them."""
    return {"memory_mb": job.memory_mb, "max_file_mb": job.max_file_mb,
            "max_processes": job.max_processes, "open_files": job.open_files,
            "cpu_s": int(job.wall_time_s * max(1, job.threads)) + 5}


@dataclass
class SandboxOutcome:
    exit_code: int | None
    timed_out: bool
    signal: int | None
    duration_s: float
    stdout: str
    stderr: str
    output_truncated: bool
    memory_exceeded: bool = False
    stopped: str | None = None  # why it was stopped early: a limit watched from outside
    isolation: str | None = None  # what this run's isolation was, where the backend proves it
    # a warm worker ended (or stopped answering) in the middle of the job, no limit having
    # stopped it: how the job itself ended is unknown, and the fault may be the grader's
    worker_lost: bool = False


def host_site_paths() -> list[str]:
    """This interpreter's site folders: where torch is for a backend that runs our Python."""
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


@runtime_checkable
class Backend(Protocol):
    """A sandbox: runs one job (``harness/main.py`` on a work folder) within its limits."""

    name: str
    hides_files: bool  # the reference, the grader and the machine's files are not visible
    isolates_network: bool  # no network at all inside (not even the host's loopback)
    supports_gpu: bool  # can pass this machine's CUDA GPUs in (``--gpu``)
    has_own_python: bool  # its own interpreter and torch (a container), not this machine's
    supports_warm: bool  # can host warm workers (then it is also a ``WarmHost``)
    is_warm_pool: bool  # runs jobs on warm workers, which hold their own copy of the harness
    isolation: str  # what its runs are isolated by, in words (every result says it)

    def check_available(self) -> None:
        """Raise ``SandboxError`` saying why this backend cannot run here."""
        ...

    # what it enforces, in words a person can check (shown in every result)
    isolation: str

    def site_paths(self) -> list[str]:
        """Where the harness finds torch, as seen inside the sandbox."""
        ...

    def can_read(self, folder: Path) -> bool:
        """Whether student code could read a file in ``folder`` of this machine."""
        ...

    def run(self, job: SandboxJob) -> SandboxOutcome:
        ...


@runtime_checkable
class WarmHost(Backend, Protocol):
    """A backend that hosts warm workers (``warm.py``): a fork server in its sandbox, with
    a pool folder that jobs are moved into."""

    # folders inside a worker's sandbox that are its own scratch (its /tmp, ...), emptied
    # after every job; empty where the worker shares the machine's (process)
    warm_scratch: tuple[str, ...]

    def zygote_command(self, pool: Path) -> list[str]:
        """The command that starts a worker for ``pool`` in this sandbox."""
        ...

    def zygote_view(self, pool: Path) -> Path:
        """Where the worker sees the pool folder."""
        ...

    def zygote_root(self, pool: Path, client_pid: int) -> int:
        """The process the worker's jobs run under, as this machine sees it."""
        ...

    def job_user(self) -> Lease | None:
        """A user of its own for the next warm job (a root grader's process sandbox), or
        None: the job runs as the worker's user."""
        ...

    def open_job(self, work: Path, lease: Lease | None) -> None:
        """Make a job's folder, moved into the pool, usable by the job's user."""
        ...

    def warm_isolation(self, lease: Lease | None) -> str | None:
        """What isolated a warm job run as ``lease``'s user, where the backend proves it per
        job; None when ``isolation`` says it all."""
        ...

    def zygote_stop(self, pool: Path) -> None:
        """End whatever of the worker outlives its client process (a container)."""
        ...


def python_roots() -> list[str]:
    """Folders holding the interpreter and its packages, outermost first, de-duplicated."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
             Path(sys.executable).resolve().parent.parent}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        roots.add(Path(sysconfig.get_paths()[key]).resolve())
    ordered = sorted(roots, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for p in ordered:
        if not any(p.is_relative_to(k) for k in kept):
            kept.append(p)
    return [str(p) for p in kept]
