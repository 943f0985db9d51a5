"""Warm worker, inside the sandbox: import torch once, then fork a fresh child per job.

Run as ``python -I -S -B <pool>/lib/harness/zygote.py <pool>``. Reads one JSON request
per line on stdin (``{"job": NAME, "limits": {...}, "env": {...}}``, the job's folder
being ``<pool>/NAME``), answers one JSON line on stdout when the job is over. The worker
itself never runs student code: each job runs in a child forked from it (ahead of time,
and blocked until it is handed the job), with its own session, resource limits,
environment and folder, exactly as the cold harness would (``entry.run``). When the
child ends or overruns its wall time, every process it left behind is killed (the worker
is their subreaper, so even double-forked daemons come back to it), and, where the
sandbox gave the worker a private ``/tmp``, scratch is wiped (never entering a mount:
what is mounted there is not the job's), as is anything the job left in the pool folder,
so no state passes from one submission to the next; a job's process also dies with the
worker. Each job gets an IPC namespace of its own where the sandbox allows one
(``limits.isolate_ipc``), which dies with it; where it does not (Docker's seccomp), every
System V object left in the worker's private namespace is removed after the job. The
worker is not dumpable, so a child
cannot read its memory or reopen its control pipes through ``/proc``.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import json
import os
import re
import select
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


_LIBC = ctypes.CDLL(None, use_errno=True)  # once: each handle is a class of its own, and
# one left to the worker's garbage collector per job cost it ~25 ms each time


def _prctl(option: int, value: int) -> None:
    _LIBC.prctl(option, value, 0, 0, 0)


KILL_ROUNDS = 4000  # of at least 0.5 ms: two seconds or more
FULL_COLLECTION_EVERY = 256  # jobs (the worker collects no garbage otherwise: ``main``)
DONE_FD = 3  # in a job's process: where it says it has finished (``_wait``)


def _descendants(me: int) -> list[int]:
    """Every process below ``me``, from one pass over ``/proc``."""
    below: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[-1].split()
            below.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], list(below.get(me, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(below.get(pid, []))
    return found


def _kill_descendants(me: int) -> bool:
    """SIGKILL every descendant, again and again, until each one is dying or gone; True
    when they all are. Nothing of the job can then touch a file, and the worker may answer
    without waiting the ~10 ms a process that forked from torch takes to free its memory
    (``_reap_all`` waits for that after the answer, before the next job)."""
    from harness.launch import dying  # noqa: PLC0415 - (``main`` puts it on the path)

    for _ in range(KILL_ROUNDS):
        alive = [pid for pid in _descendants(me) if not dying(pid)]
        if not alive:
            return True
        for pid in alive:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        time.sleep(0.0005)
    return False


def _reap_all(me: int, spare: int, timeout_s: float = 10.0) -> None:
    """Reap every descendant but the ``spare`` (each was killed): what the next job's watch
    counts must be its own."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            continue
        if not [p for p in _descendants(me) if p != spare] or time.monotonic() > deadline:
            return
        time.sleep(0.0005)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def mount_points() -> frozenset[str]:
    """Every mount point this process sees (``/proc/self/mountinfo``)."""
    points = set()
    try:
        with open("/proc/self/mountinfo", "rb") as f:
            for line in f:
                fields = line.split()
                if len(fields) > 4:  # the 5th field, octal-escaped (" " is \\040)
                    raw = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]),
                                 fields[4])
                    points.add(os.fsdecode(raw))
    except OSError:
        pass
    return frozenset(points)


def _wipe(folders: list[str], keep: frozenset[str] = frozenset()) -> None:
    """Empty ``folders``, but for the entries named in ``keep``, never entering a mount: what
    is mounted there (a Python installation under /tmp, the pool's harness) is not the
    job's, is read-only, and may be large; only the folders around it are the job's."""
    mounts = mount_points()
    for folder in folders:
        _empty(folder, keep, mounts)


def _empty(folder: str, keep: frozenset[str], mounts: frozenset[str]) -> None:
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for name in entries:
        path = os.path.join(folder, name)
        if name in keep or path in mounts:
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            if any(m.startswith(path + "/") for m in mounts):  # a mount below: go around it
                try:
                    os.chmod(path, 0o755)  # a job may have locked it
                except OSError:
                    pass
                _empty(path, frozenset(), mounts)
                continue
            _unlock(path)
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def _unlock(top: str) -> None:
    """Make every folder under ``top`` ours to list and empty again: a job can lock its
    folders (mode 000) so that rmtree leaves them, and their files, to the next job."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            os.chmod(folder, 0o700)
            with os.scandir(folder) as entries:
                stack.extend(e.path for e in entries if e.is_dir(follow_symlinks=False))
        except OSError:
            continue


IPC_RMID = 0
_IPC_KINDS = ("shm", "msg", "sem")
_NESTED: bool | None = None  # whether jobs can have user namespaces (tried once, at start)


def _sweep_ipc() -> None:
    """Remove every System V object and POSIX message queue of this IPC namespace (the
    worker's own, private to its sandbox): what a job that could not be given a namespace
    of its own left behind."""
    libc = _LIBC
    for kind in _IPC_KINDS:
        try:
            with open(f"/proc/sysvipc/{kind}", encoding="ascii") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) < 2 or not fields[1].isdigit():
                continue
            ident = int(fields[1])
            if kind == "shm":
                libc.shmctl(ident, IPC_RMID, None)
            elif kind == "msg":
                libc.msgctl(ident, IPC_RMID, None)
            else:
                libc.semctl(ident, 0, IPC_RMID)
    _wipe(["/dev/mqueue"])


def _prepare() -> BaseException | None:
    """In a spare, before it is handed a job: what every job's process needs and no job
    decides (an IPC namespace of its own, dying with the worker), done while the previous
    job's results are read (making the namespaces takes about 9 ms). What went wrong, if
    anything: the job it is handed then fails with it. (Its own session comes with the job:
    until then a spare is in its worker's, which is how it is told from a job.)"""
    try:
        from harness.limits import isolate_ipc  # noqa: PLC0415

        isolate_ipc(_NESTED)  # first: it changes credentials, which clears what follows
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the job ends with its worker
        _prctl(PR_SET_DUMPABLE, 1)
    except BaseException as exc:  # noqa: BLE001 - reported by the job, which then fails
        return exc
    return None


def _child(job: Path, request: dict[str, Any], prepared: BaseException | None,
           finished: int) -> None:
    """In the forked child (a spare, ``_prepare``d): become the cold harness for ``job``;
    its exit code goes on ``finished`` just before it exits (``_wait``). Never returns."""
    code = 70
    try:
        if prepared is not None:
            raise prepared
        os.setsid()
        log = job / "log"
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(log / "stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        err = os.open(log / "stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        for fd, target in ((null, 0), (out, 1), (err, 2)):
            os.dup2(fd, target)
        os.dup2(finished, DONE_FD, inheritable=False)
        os.closerange(DONE_FD + 1, 65536)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        if request.get("uid") is not None:  # a root worker: the job runs as its own user
            from harness.launch import drop_privileges  # noqa: PLC0415
            from harness.limits import isolate_ipc  # noqa: PLC0415

            drop_privileges(int(request["uid"]), int(request["gid"]))
            if _NESTED:  # as a cold job: its user's own namespaces, where it can make none
                isolate_ipc(True)  # (the IPC namespace above holds where it cannot)
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a change of user clears both
            _prctl(PR_SET_DUMPABLE, 1)
        elif os.getuid() == 0:
            raise PermissionError("refusing to run student code as root")
        from harness.limits import apply_limits  # noqa: PLC0415

        apply_limits(request["limits"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.umask(0o077)
        from harness.entry import run  # noqa: PLC0415

        plan = json.loads((job / "plan.json").read_text())
        code = run(job, plan)
    except BaseException:  # noqa: BLE001 - the child must end here, whatever happened
        try:
            import traceback  # noqa: PLC0415

            traceback.print_exc()
        except BaseException:  # noqa: BLE001, S110
            pass
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(DONE_FD, bytes([code & 0xFF]))
    finally:
        os._exit(code)


def _wait(pid: int, wall_s: float, finished: int) -> tuple[int | None, int | None, bool]:
    """(exit code, signal, timed out) of the child, killing its group at the deadline.

    ``finished``: a pipe on which the child writes its exit code just before it exits
    (``DONE_FD``); it is then killed at once, and not waited for (``_kill_descendants``
    makes sure it is dying). Student code could write there first, or close it: that only
    ends its own job early, or makes the worker wait for the exit itself."""
    deadline = time.monotonic() + wall_s
    pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                if os.WIFSIGNALED(status):
                    return None, os.WTERMSIG(status), False
                return os.WEXITSTATUS(status), None, False
            ready = select.select([finished], [], [], 0)[0]
            said = os.read(finished, 1) if ready else b""
            if said:
                for kill in (os.killpg, os.kill):
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                return said[0], None, False
            left = deadline - time.monotonic()
            if left <= 0:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None, signal.SIGKILL, True
            if pidfd is not None:
                select.select([pidfd] + ([finished] if not ready else []), [], [],
                              min(left, 1.0))
            else:
                time.sleep(min(left, 0.01))
    finally:
        if pidfd is not None:
            os.close(pidfd)


class _Spare:
    """A child forked ahead of time, blocked until it is handed a job: the fork (tens of ms
    for a process holding torch) happens while the grader reads the previous job's results,
    not while the next submission waits."""

    def __init__(self, pool: Path, closing: list[Any]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        # everything the worker holds is left out of the child's garbage collections: a
        # full collection would otherwise write to every object of torch's, copying the
        # whole heap page by page (~200 ms), and the child's exit would free it all again.
        # (The worker itself does not collect: see ``main``.)
        gc.freeze()
        read, self._go = os.pipe()
        self.finished, said = os.pipe()  # the job says it is over (``_wait``)
        self.pid = os.fork()
        if self.pid == 0:
            for f in closing:  # the control channel is the worker's alone
                f.close()
            os.close(self._go)
            os.close(self.finished)
            gc.enable()  # the job's own objects are collected as usual
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            prepared = _prepare()
            data = b""
            while chunk := os.read(read, 65536):
                data += chunk
            os.close(read)
            if not data:  # the worker is stopping
                os._exit(0)
            request = json.loads(data)
            _child(pool / str(request["job"]), request, prepared, said)
        os.close(read)
        os.close(said)

    def start(self, request: dict[str, Any]) -> int:
        """Hand the spare its job; its pid."""
        os.write(self._go, json.dumps(request).encode())
        os.close(self._go)
        return self.pid

    def discard(self) -> None:
        os.close(self._go)
        os.close(self.finished)
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def serve(pool: Path, conf: dict[str, Any]) -> None:
    me = os.getpid()
    control_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    control_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)  # nothing the worker prints can corrupt the control channel
    served = 0
    spare = _Spare(pool, [control_in, control_out])
    # the spare is one of the worker's own processes while it waits (the grader counts a
    # job's processes beyond those it finds at "ready"; when a job runs, it is the job)
    control_out.write(json.dumps({"ready": True, "spares": 1}) + "\n")
    control_out.flush()
    for line in control_in:
        request = json.loads(line)
        if request.get("stop"):
            break
        name = str(request["job"])
        if not name or not set(name) <= _NAME_OK:
            control_out.write(json.dumps({"job": name, "error": "bad job name"}) + "\n")
            control_out.flush()
            continue
        started = time.monotonic()
        if request.get("uid") is not None and not request.get("clean"):
            # nothing left of this user may meet the job (a clean lease: its last job, ended
            # by the grader, left nothing, and nothing of that user can start since)
            from harness.launch import kill_user  # noqa: PLC0415

            if not kill_user(int(request["uid"]), int(request["gid"]), settle=False):
                control_out.write(json.dumps({"job": name, "error": "stale processes"}) + "\n")
                control_out.flush()
                continue
            _reap()
        pid = spare.start(request)  # (the spare is still root: it drops to uid in _child)
        code, sig, timed_out = _wait(pid, float(request["wall_time_s"]), spare.finished)
        os.close(spare.finished)
        cleared = _kill_descendants(me)
        as_user = request.get("uid") is not None
        if as_user:  # and whatever its user still runs, anywhere this worker can see
            from harness.launch import kill_user, sweep_user, user_processes  # noqa: PLC0415

            # (every process of the job was below this worker, its subreaper, and is dying
            # now: the user's own kill(-1), ~3 ms of two programs started, only if a process
            # of that user is still alive all the same)
            if user_processes(int(request["uid"])):
                cleared = kill_user(int(request["uid"]), int(request["gid"])) and cleared
                _reap()
        # whatever the job left in the pool folder itself, before the answer: once answered,
        # the grader may move its next job's folder in (a retry's, at once)
        _wipe([str(pool)], keep=frozenset({"lib", "zygote.json", "scratch", name}))
        control_out.write(json.dumps({
            "job": name, "exit_code": code, "signal": sig, "timed_out": timed_out,
            "cleared": cleared, "duration_s": time.monotonic() - started,
            "sweeps_after": as_user}) + "\n")
        control_out.flush()
        # answered (nothing of the job runs: its outputs are final); what it left in this
        # worker's own scratch folders and IPC namespace goes before the next job starts,
        # and what its user left in the machine's shared ones (the grader holds that user
        # until this worker answers again, or has stopped: it reads nothing before that)
        if as_user:
            sweep_user(int(request["uid"]))
        _wipe(conf.get("scratch", []))
        if conf.get("sweep_ipc"):
            _sweep_ipc()
        served += 1
        if served % FULL_COLLECTION_EVERY == 0:  # whatever the worker's loop might leak
            gc.unfreeze()
            gc.collect()
        # for the next job, meanwhile: forked while the job's processes, dying, may still be
        # freeing their memory (~10 ms), then those are reaped before the next job starts
        spare = _Spare(pool, [control_in, control_out])
        _reap_all(me, spare.pid)
    spare.discard()


def main() -> None:
    pool = Path(sys.argv[1])
    conf = json.loads((pool / "zygote.json").read_text())
    here = Path(__file__).resolve().parent
    sys.path[:] = [str(here.parent)] + [p for p in sys.path[1:] if p]
    from harness.main import isolate_imports  # noqa: PLC0415

    isolate_imports(conf["site_paths"])
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    from harness.limits import nested_namespaces_work  # noqa: PLC0415

    global _NESTED
    # a root worker's jobs run as users of their own (``harness.launch``): tried as nobody,
    # in a child forked before torch is imported (a fork of a process holding torch costs
    # ~10 ms of page tables, and its exit as much again)
    _NESTED = nested_namespaces_work((65534, 65534) if os.geteuid() == 0 else None)
    import harness.entry  # noqa: F401, PLC0415 - the warm part: torch and safetensors
    import harness.launch  # noqa: F401, PLC0415 - switching users, killing and sweeping
    import harness.limits  # noqa: F401, PLC0415 - a job reads nothing of the harness from disk
    import harness.runner  # noqa: F401, PLC0415
    for name in conf.get("preload", []):  # what jobs would each import again (warm.py)
        try:
            importlib.import_module(name)
        except ImportError:  # not in this installation: a job that needs it fails as cold
            continue
    # The worker's garbage is never collected: its loop makes no reference cycles (nothing
    # to collect: measured), and a collection in a process that has just forked writes
    # pages it shares with the child, ~25 ms of copies each time. (A first full collection
    # would also cost a cold grading ~100 ms, to free the little garbage importing left.)
    gc.disable()
    serve(pool, conf)
    # stopped: the interpreter's teardown with torch loaded takes ~0.5 s, and the grader
    # waits for this process to end (a cold `grade` waits for it before it exits itself)
    os._exit(0)


if __name__ == "__main__":
    os.umask(0o077)
    main()
