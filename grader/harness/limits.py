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
    """Limit address space, data, CPU seconds, file size, core dumps, open files and
    processes.

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
    # the grader may have capped its own data segment (``grading.memory``), a soft limit
    # its children inherit: a job's is its own
    resource.setrlimit(resource.RLIMIT_DATA, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    if os.getuid() != 0:
        n = int(limits["max_processes"])
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))


CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC = 1, 32, 4096, 16384
PR_GET_PDEATHSIG = 2
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
# In a job's own IPC namespace, none of the objects that outlive their processes and that
# RLIMIT_AS does not count (a System V segment holds its memory when nobody maps it): no
# System V shared memory, message queues or semaphores, no POSIX message queues. Nothing a
# lesson needs: POSIX shared memory and semaphores are files in /dev/shm, counted as files.
NO_IPC = {"kernel/shmmni": "0", "kernel/shmall": "0", "kernel/msgmni": "0",
          "kernel/sem": "0 0 0 0", "fs/mqueue/queues_max": "0"}


def _write(path: str, text: str) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return os.write(fd, text.encode()) == len(text)
    except OSError:
        return False
    finally:
        os.close(fd)


def _namespace(kind: str) -> str:
    try:
        return os.readlink(f"/proc/self/ns/{kind}")
    except OSError:
        return ""


def isolate_ipc(nested: bool | None = None) -> bool:
    """Move this process into an IPC namespace of its own, where no System V object or
    POSIX message queue can be made; True if it did. Call it single-threaded, before any
    student code runs: what the job makes then dies with its last process, and the next job
    on a warm worker finds nothing of it.

    Where the process may not make an IPC namespace (it lacks CAP_SYS_ADMIN: inside bwrap,
    or an unprivileged grader) it makes a user namespace to hold it, and a second one inside
    that to run in: in the outer one its uid is root, which may change the settings of the
    IPC namespace it owns, make /proc/sys read-only in a mount namespace of its own (the
    settings are otherwise writable by any process with that uid) and allow exactly one
    more user namespace (the inner one, so none can be made from inside to lend a job the
    privilege to undo any of this). In the inner one its uid and gid are what they were, and
    it gives up the capabilities the namespace gave it. Whether all of that works here
    (``nested``; None: find out) is tried first in a throwaway child, as a half-made user
    namespace cannot be left again. Under Docker's seccomp profile none of it is allowed:
    False, and the container's own IPC namespace, with the same settings (``docker.py``),
    holds instead."""
    import ctypes  # noqa: PLC0415 - only where it is used

    libc = ctypes.CDLL(None, use_errno=True)
    before = _namespace("ipc")
    if not before:
        return False
    if libc.unshare(CLONE_NEWIPC) == 0:  # privileged: the settings are this process's
        for name, value in NO_IPC.items():  # this namespace's own settings, not the machine's
            _write(f"/proc/sys/{name}", value)
        return _namespace("ipc") != before
    if os.geteuid() == 0:  # root without the privilege: it may yet switch to another user,
        return False       # which a user namespace of its own would not map
    if not (nested_namespaces_work() if nested is None else nested):
        return False
    _enter_nested(libc)
    return _namespace("ipc") != before


def nested_namespaces_work(user: tuple[int, int] | None = None) -> bool:
    """Whether ``isolate_ipc``'s user namespaces can be made here, tried in a child: as
    this process's user, or (a root worker's, whose jobs each run as a user of their own)
    as ``user`` (uid, gid)."""
    if user is None and os.geteuid() == 0:
        return False
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            import ctypes  # noqa: PLC0415

            if user is not None:
                os.setgroups([])
                os.setresgid(user[1], user[1], user[1])
                os.setresuid(user[0], user[0], user[0])
            _enter_nested(ctypes.CDLL(None, use_errno=True))
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status == 0


def _enter_nested(libc: Any) -> None:
    """The outer and inner user namespaces of ``isolate_ipc``, with the IPC namespace."""
    import ctypes  # noqa: PLC0415

    signal_on_death = ctypes.c_int(0)
    libc.prctl(PR_GET_PDEATHSIG, ctypes.byref(signal_on_death), 0, 0, 0)
    uid, gid = os.geteuid(), os.getegid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWIPC | CLONE_NEWNS) != 0:
        raise OSError("cannot make the job's user namespace")
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # new credentials reset it: /proc/self is ours
    _map_ids(f"0 {uid} 1", f"0 {gid} 1", deny_setgroups=True)
    for name, value in NO_IPC.items():
        if not _write(f"/proc/sys/{name}", value):
            raise OSError(f"cannot set {name} in the job's IPC namespace")
    if not _write("/proc/sys/user/max_user_namespaces", "1"):  # the inner one, no more
        raise OSError("cannot limit user namespaces in the job's own")
    _read_only(libc, "/proc/sys")
    if libc.unshare(CLONE_NEWUSER) != 0:
        raise OSError("cannot make the job's inner user namespace")
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    _map_ids(f"{uid} 0 1", f"{gid} 0 1", deny_setgroups=False)  # inherited: denied
    _drop_capabilities(libc)
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    if signal_on_death.value:  # new credentials clear it too
        libc.prctl(PR_SET_PDEATHSIG, signal_on_death.value, 0, 0, 0)


def _map_ids(uid_map: str, gid_map: str, *, deny_setgroups: bool) -> None:
    """Map this process's user and group in the user namespace it just made."""
    if not ((not deny_setgroups or _write("/proc/self/setgroups", "deny"))
            and _write("/proc/self/uid_map", uid_map)
            and _write("/proc/self/gid_map", gid_map)):
        raise OSError("cannot map this process's user into its own user namespace")


def _read_only(libc: Any, path: str) -> None:
    """Bind ``path`` read-only over itself (in this process's own mount namespace)."""
    keep = os.statvfs(path).f_flag & (os.ST_NOSUID | os.ST_NODEV | os.ST_NOEXEC)  # locked
    if (libc.mount(path.encode(), path.encode(), None, MS_BIND | MS_REC, None) != 0
            or libc.mount(None, path.encode(), None,
                          MS_REMOUNT | MS_BIND | MS_RDONLY | keep, None) != 0):
        raise OSError(f"cannot make {path} read-only for the job")


def _drop_capabilities(libc: Any) -> None:
    """Give up every capability (a user namespace's creator holds them all in it)."""
    import ctypes  # noqa: PLC0415

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    if libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()) != 0:  # version 3
        raise OSError("cannot drop the capabilities of the job's user namespace")
