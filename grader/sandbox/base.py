"""The sandbox interface: a job (a prepared work folder and limits) in, an outcome out."""

from __future__ import annotations

import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from grader.errors import SandboxError

__all__ = ["Backend", "SandboxError", "SandboxJob", "SandboxOutcome", "limits_of",
           "python_roots"]


@dataclass(frozen=True)
class SandboxJob:
    """Everything a backend needs: the work folder holds lib/, plan.json, inputs, home/, out/."""

    workdir: Path
    wall_time_s: float
    memory_mb: int
    max_processes: int
    max_file_mb: int
    max_output_bytes: int
    threads: int = 1
    gpu: bool = False
    env: dict[str, str] = field(default_factory=dict)


def limits_of(job: SandboxJob) -> dict[str, int]:
    """The resource limits of ``job`` as ``harness.limits.apply_limits`` takes them."""
    return {"memory_mb": job.memory_mb, "max_file_mb": job.max_file_mb,
            "max_processes": job.max_processes,
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


class Backend(Protocol):
    name: str
    hides_files: bool  # True when the reference and the grader are not visible at all

    def check_available(self) -> None: ...

    def run(self, job: SandboxJob) -> SandboxOutcome: ...


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
