"""Resource limits applied to a process that will run student code.

Used on both sides of the boundary: by the cold backends just before they exec the
harness, and by the warm worker (``zygote.py``) in each child it forks. Standard library
only, since it also runs inside the sandbox.
"""

from __future__ import annotations

import os
import resource
from typing import Any


def apply_limits(limits: dict[str, Any]) -> None:
    """Limit address space, CPU seconds, file size, core dumps, open files and processes.

    ``limits`` holds ``memory_mb``, ``cpu_s``, ``max_file_mb``, ``max_processes`` and
    ``open_files`` (``sandbox/base.py`` ``limits_of``: the lesson's ``[limits]``). The
    process count is not applied to root, whom the kernel exempts anyway (and still does
    inside bwrap's user namespace, whose uid maps back to root); for a root grader the
    sandbox's watch counts processes and threads instead (``sandbox/watch.py``)."""
    mem = int(limits["memory_mb"]) * 1024 * 1024
    fsize = int(limits["max_file_mb"]) * 1024 * 1024
    cpu = int(limits["cpu_s"])
    nofile = int(limits["open_files"])
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    if os.getuid() != 0:
        n = int(limits["max_processes"])
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
