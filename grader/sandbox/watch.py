"""Watching a running sandbox from the trusted side: the files it writes, its processes.

Resource limits hold one process or one file at a time: RLIMIT_FSIZE caps each file but
not how many a job writes, RLIMIT_AS caps each process's memory but not what a job holds
in all its processes (nor shared memory no process maps), and RLIMIT_NPROC does not apply
to root (nor, when the grader is root, inside bwrap's user namespace, whose uid maps back
to root). So while a job runs, a watch polls the folders it can write (its work folder;
for the namespaced backends also its /tmp, /dev/shm and /var/tmp, which live there too),
the files its processes hold open after deleting them (memfd files too), the memory its
processes hold together, shared memory included, and, when the grader is root, the
processes and threads under its sandbox, and stops the job as soon as it holds more than
the limits (the job's ``scratch_mb``, ``max_files``, ``memory_mb`` and ``max_processes``,
looked at every ``poll_s``: the lesson's ``[limits]``). (System V objects, which no
process need hold, cannot be made by a job at all: ``harness.limits.isolate_ipc``.) The
caller reports ``Watch.reason``.
"""

from __future__ import annotations

import os
import signal
import stat
import threading
from collections.abc import Callable
from pathlib import Path

from grader.sandbox.base import SandboxJob


def folder_usage(folders: list[Path], max_entries: int) -> tuple[int, int]:
    """(bytes on disk, entries) under ``folders``, not following links (each folder is
    opened from its parent's descriptor: one swapped for a link meanwhile is not entered);
    counting stops a little past ``max_entries`` so that a folder of a million files costs
    no more."""
    used = count = 0
    stack: list[int] = []
    for folder in folders:
        try:
            stack.append(os.open(folder, _DIR_FLAGS))
        except OSError:
            continue
    try:
        while stack and count <= max_entries:
            fd = stack.pop()
            try:
                with os.scandir(fd) as entries:
                    for entry in entries:
                        count += 1
                        try:
                            info = entry.stat(follow_symlinks=False)
                        except OSError:
                            continue
                        used += info.st_blocks * 512  # a sparse file counts what it uses
                        if stat.S_ISDIR(info.st_mode):
                            try:
                                stack.append(os.open(entry.name, _DIR_FLAGS, dir_fd=fd))
                            except OSError:
                                continue
            except OSError:
                pass
            finally:
                os.close(fd)
    finally:
        for fd in stack:
            os.close(fd)
    return used, count


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, threads) of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                table[int(entry)] = (int(fields[1]), int(fields[17]))
            except (OSError, IndexError, ValueError):
                continue
    return table


def descendants(root: int, table: dict[int, tuple[int, int]] | None = None) -> list[int]:
    """The processes below ``root`` (not ``root`` itself)."""
    table = _process_table() if table is None else table
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tasks_under(root: int) -> int:
    """Threads of ``root`` and of every process below it (what RLIMIT_NPROC counts)."""
    table = _process_table()
    return sum(table[pid][1] for pid in [root, *descendants(root, table)] if pid in table)


def deleted_bytes(pids: list[int]) -> int:
    """Disk used by files that ``pids`` keep open after deleting them (no folder shows
    them, but they fill the disk all the same)."""
    seen: set[tuple[int, int]] = set()
    used = 0
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                info = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            key = (info.st_dev, info.st_ino)
            if info.st_nlink == 0 and stat.S_ISREG(info.st_mode) and key not in seen:
                seen.add(key)
                used += info.st_blocks * 512
    return used


def _fields(path: str, names: tuple[str, ...]) -> int:
    """The sum of the ``names`` fields (in kB) of a /proc file, in bytes; 0 if unreadable."""
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError:
        return 0
    total = 0
    for line in text.splitlines():
        name, _, rest = line.partition(b":")
        if name.decode("ascii", "replace") in names:
            total += int(rest.split()[0]) * 1024
    return total


def memory_used(pids: list[int], *, precise: bool = False) -> int:
    """Memory that ``pids`` hold in all: their anonymous memory (heap, tensors) and their
    shared memory mapped (System V, POSIX, memfd), which RLIMIT_AS counts one process at a
    time only. Quick (``/proc/<pid>/status``), a page shared by several of them counts once
    for each, so it may say more than there is; ``precise`` (``smaps_rollup``, slower, and
    only where the grader may read it) shares such a page out between them."""
    if precise:
        return sum(_fields(f"/proc/{pid}/smaps_rollup", ("Pss_Anon", "Pss_Shmem"))
                   for pid in pids)
    return sum(_fields(f"/proc/{pid}/status", ("RssAnon", "RssShmem")) for pid in pids)


def tree(root: int) -> list[int]:
    """``root`` and the processes below it."""
    table = _process_table()
    return [pid for pid in [root, *descendants(root, table)] if pid in table]


def kill_tree(root: int) -> None:
    """SIGKILL everything below ``root``, then ``root`` and its group, until nothing is left
    (a fork bomb forks while it is being killed). The tree is stopped first: what is
    above a process being killed must not go on (to its next probe, say) meanwhile."""
    for pid in [root, *descendants(root)]:
        try:
            os.kill(pid, signal.SIGSTOP)
        except OSError:
            pass
    for _ in range(50):
        below = descendants(root)
        for pid in below:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if not below:
            break
    for kill, target in ((os.killpg, root), (os.kill, root)):
        try:
            kill(target, signal.SIGKILL)
        except OSError:
            pass


class Watch:
    """Polls a job's folders (and, for a root grader, its processes) until closed; stops
    the job through ``stop`` at the first limit it passes, and keeps why in ``reason``."""

    def __init__(self, folders: list[Path], stop: Callable[[], None], job: SandboxJob, *,
                 root: int | None, base_tasks: int = 0, memory: bool = True,
                 base_memory: tuple[int, int] = (0, 0)) -> None:
        self.folders = folders
        # ``memory``: the memory of the job's processes together is watched (not where a
        # cgroup already holds it: a cold container)
        self._max_memory = job.memory_mb * 2**20 if memory else None
        self._base_memory = base_memory  # (quick, precise): the worker's own, when idle
        self.reason: str | None = None
        self._stop = stop
        self._root = root
        self._count_tasks = os.geteuid() == 0  # otherwise RLIMIT_NPROC holds
        self._max_tasks = job.max_processes
        self._max_mb = job.scratch_mb
        self._max_files = job.max_files
        self._poll_s = job.poll_s
        self._base_tasks = base_tasks
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sandbox-watch")
        self._thread.start()

    def check(self) -> str | None:
        used, count = folder_usage(self.folders, self._max_files)
        tasks = 0
        if self._root is not None:
            table = _process_table()
            tree = [pid for pid in [self._root, *descendants(self._root, table)] if pid in table]
            used += deleted_bytes(tree)
            tasks = sum(table[pid][1] for pid in tree) - self._base_tasks
            if self._max_memory is not None and self._over_memory(tree):
                return (f"used more than {self._max_memory // 2**20} MB of memory in all its "
                        "processes together (the limit)")
        if used > self._max_mb * 2**20:
            return f"wrote more than {self._max_mb} MB of files (the limit for all its files)"
        if count > self._max_files:
            return f"made more than {self._max_files} files (the limit)"
        if self._count_tasks and tasks > self._max_tasks:
            return f"ran more than {self._max_tasks} processes or threads at once (the limit)"
        return None

    def _over_memory(self, tree: list[int]) -> bool:
        assert self._max_memory is not None
        if memory_used(tree) - self._base_memory[0] <= self._max_memory:
            return False  # the quick measure never says less than there is
        return memory_used(tree, precise=True) - self._base_memory[1] > self._max_memory

    def _run(self) -> None:
        while not self._done.wait(self._poll_s):
            reason = self.check()
            if reason is not None:
                self.reason = reason
                self._stop()
                return

    def close(self) -> str | None:
        """Stop watching; the reason the job was stopped, if it was."""
        self._done.set()
        self._thread.join()
        return self.reason
