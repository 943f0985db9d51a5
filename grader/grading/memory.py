"""A memory cap for the trusted process itself: batch grading, a service's worker.

Everything a submission sends back is bounded before the trusted side computes with it
(``sandbox.channel``'s budget; structure checks before a reference runs on a student's
values), so a grading holds little beyond the grader's own baseline. The cap is the second
line, for whatever a check or a future one still gets wrong: past it, an allocation fails
(``MemoryError``, or torch's "can't allocate memory" RuntimeError) inside the grading that
made it, which reports that submission as not graded; the process, and every other
grading in it, carries on, where an out-of-memory kill would take them all (and, in a
service, the host's other work).

It is RLIMIT_DATA, not RLIMIT_AS: the address space of a torch process is mostly
reservations (each thread's malloc arena, its stack), which grow with the thread count and
hold no memory, while the data limit counts the private writable memory a process has
mapped, heap and tensors alike. Measured on CPU torch 2.x: 20 threads grew the address
space by 300 MB and the data segment by 30 MB; an allocation past the limit raised
cleanly and the process went on. Thread stacks do count, while their threads run (8 MB
each, RLIMIT_STACK, touched or not): the cap leaves room for as many as the caller says
it runs at once. Only the soft limit is set, so that sandboxes started from this process
can set their own (``harness.limits.apply_limits``).
"""

from __future__ import annotations

import contextlib
import resource
from collections.abc import Iterator

HEADROOM_MB = 2048  # beyond what the process holds when it is capped
THREADS = 32  # threads the process runs at once, beyond those it has when it is capped


def data_in_use() -> int:
    """This process's data segment now, in bytes (VmData)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmData in /proc/self/status")


def _stack_bytes() -> int:
    soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    return 8 * 2**20 if soft == resource.RLIM_INFINITY else min(soft, 64 * 2**20)


def cap_trusted_memory(headroom_mb: int = HEADROOM_MB, threads: int = THREADS) -> int | None:
    """Cap this process's memory at what it holds now plus ``headroom_mb``, and the stacks
    of ``threads`` more threads; the cap in bytes (None where it cannot be measured: not
    Linux). Call it once the grader is loaded (torch imported), before grading. A lower cap
    already in place is kept."""
    try:
        cap = data_in_use() + headroom_mb * 2**20 + threads * _stack_bytes()
    except OSError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft == resource.RLIM_INFINITY or cap < soft:
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
        return cap
    return soft


@contextlib.contextmanager
def capped_memory(headroom_mb: int | None = HEADROOM_MB,
                  threads: int = THREADS) -> Iterator[int | None]:
    """``cap_trusted_memory`` for the duration of a block (None: no cap), then the limit
    as it was: for a library call (``grade_batch``) in a process that goes on after it; a
    service's worker caps itself once for good."""
    before = resource.getrlimit(resource.RLIMIT_DATA)
    try:
        yield cap_trusted_memory(headroom_mb, threads) if headroom_mb is not None else None
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, before)


def out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is an allocation that failed (against the cap)."""
    return isinstance(error, MemoryError) or (
        isinstance(error, RuntimeError) and "can't allocate memory" in str(error))
