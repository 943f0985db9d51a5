"""The sandbox's users: a root grader runs each job as a user of its own, never as root.

A job leases a user id from a range no account uses (``GRADER_SANDBOX_UIDS``, default
61000-61183: between Debian's static system ids and systemd's dynamic ones; an id with a
passwd or group entry is skipped), held by a lock file in a root-only folder for as long
as the job runs, so two jobs (threads, processes, warm workers) never share one. The job's
user owns only its ``home/`` and ``out/``; everything else of the job folder is readable,
nothing else writable. Because the user is the job's alone, "every process the job
started" is exactly "every process of that user" (``kill_user``), and "what it left in
/tmp, /dev/shm or System V IPC" exactly what that user owns there (``sweep_user``); one
job cannot signal, trace or read another running job either.
"""

from __future__ import annotations

import fcntl
import grp
import itertools
import os
import pwd
import random
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import SandboxError
from grader.harness.launch import sweep_user, user_processes

LAUNCHER = Path(__file__).resolve().parents[1] / "harness" / "launch.py"
DEFAULT_UIDS = (61000, 61184)  # [start, end)
LOCKS = Path("/run/training-loop-grader/uids")
_CURSOR = itertools.count(random.randrange(1 << 16))
_CLEAN = b"clean\n"  # a lock file's content after a job that left nothing (``Lease.clean``)


def uid_range() -> tuple[int, int]:
    """[start, end) of the ids jobs run as: ``GRADER_SANDBOX_UIDS=START-END`` (inclusive)."""
    spec = os.environ.get("GRADER_SANDBOX_UIDS", "").strip()
    if not spec:
        return DEFAULT_UIDS
    try:
        start, end = (int(x) for x in spec.split("-", 1))
    except ValueError:
        raise SandboxError(f"GRADER_SANDBOX_UIDS={spec!r}: give a range like 61000-61183"
                           ) from None
    if not 1000 <= start <= end < 2**31 - 1:
        raise SandboxError(f"GRADER_SANDBOX_UIDS={spec!r}: ids from 1000 up, start <= end")
    return start, end + 1


@dataclass
class Lease:
    """A user id (and the group id of the same number) held for one job."""

    uid: int
    gid: int
    _fd: int = field(repr=False, default=-1)
    # the user's last job ended with every process of it killed and what it left swept
    # (``mark_clean``): none can have appeared since (only a process of that user, or root,
    # makes one), so this job need not kill any before it starts
    clean: bool = False

    def mark_clean(self) -> None:
        """Say, in the lock file, that no process of this user is left and nothing of it in
        the shared places: the next job of this user skips the kill before it starts."""
        if self._fd >= 0:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, _CLEAN, 0)

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # the lock goes with it
            self._fd = -1


def _lock_folder() -> Path:
    """The root-only folder of the lock files (made on first use; never a link)."""
    try:
        LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(LOCKS)
    except OSError as e:
        raise SandboxError(f"cannot make {LOCKS} for the sandbox's user ids: {e.strerror}"
                           ) from None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise SandboxError(f"{LOCKS} is not a folder only root can write to: refusing it")
    return LOCKS


def _unused(uid: int) -> bool:
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
            return False
        except KeyError:
            continue
    return True


def lease_user() -> Lease:
    """A user id no other job holds. (A grader that crashed may have left processes of it
    alive: whatever starts the job kills them first, ``launch.py`` or the warm worker, unless
    the lease is ``clean``.)"""
    folder = _lock_folder()
    start, end = uid_range()
    ids = list(range(start, end))
    # round-robin from a random place: jobs one after another get different ids too, so
    # nothing one left can meet the next even for a moment
    offset = next(_CURSOR) % len(ids)
    for uid in ids[offset:] + ids[:offset]:
        if not _unused(uid):
            continue
        fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        clean = os.pread(fd, len(_CLEAN) + 1, 0) == _CLEAN
        os.ftruncate(fd, 0)  # until this job ends cleanly: a crash leaves it to be killed
        return Lease(uid, uid, fd, clean)
    raise SandboxError(f"no free sandbox user id in {start}-{end - 1} (set GRADER_SANDBOX_UIDS)")


def kill_user(lease: Lease) -> bool:
    """Kill every process of the lease's user (``launch.py --kill``: from a process of its
    own, since this one has threads); True when none is left alive. Never skipped on the
    strength of a look at /proc: a line of processes that forks and exits every few
    milliseconds is never where a listing saw it; one ``kill(-1)`` pass catches it."""
    proc = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-I", "-S", "-B", str(LAUNCHER), "--kill", str(lease.uid),
         str(lease.gid)], stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
        env={"PATH": "/usr/bin:/bin"}, cwd="/")
    return proc.returncode == 0 and not user_processes(lease.uid)


def end_job(lease: Lease, killed: bool = False) -> None:
    """After a job: every process of its user killed (or an error: the job's outputs must
    not be read while one of its processes can still change them; ``killed``: the launcher
    or the worker has done it and said so), then what that user left in the shared scratch
    folders and System V IPC removed."""
    if not killed and not kill_user(lease):
        raise SandboxError(f"processes of the sandbox's user {lease.uid} survived being killed: "
                           "nothing of this run can be trusted")
    sweep_user(lease.uid)
    lease.mark_clean()


def open_to(work: Path, lease: Lease, writable: tuple[str, ...] = ("home", "out")) -> None:
    """Let the job's user read ``work`` (the harness, the plan, the inputs) and own only the
    folders named in ``writable``; ``work``'s parent becomes passable but not listable."""
    for folder, _dirs, files in os.walk(work):
        os.chmod(folder, 0o755)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)
    for name in writable:
        d = work / name
        d.mkdir(exist_ok=True)
        os.chown(d, lease.uid, lease.gid)
        os.chmod(d, 0o700)
    os.chmod(work.parent, 0o711)


def others_can_read(folder: Path) -> bool:
    """Whether a user who is neither the owner nor in the group (the sandbox's user) can
    reach ``folder`` and read a file in it (by the permission bits; ACLs aside)."""
    try:
        path = folder.resolve()
    except OSError:
        return False
    for parent in reversed([path, *path.parents]):
        try:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    for dirpath, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs
                   if os.stat(os.path.join(dirpath, d)).st_mode & stat.S_IXOTH]
        for name in files:
            try:
                if os.stat(os.path.join(dirpath, name)).st_mode & stat.S_IROTH:
                    return True
            except OSError:
                continue
    return False
