"""The ``process`` backend: a child process with resource limits and a scrubbed environment.

What it holds: CPU, wall time (the whole process group is killed), address space, file
size, core dumps, open files, the files and processes a run makes (watched from outside,
``watch.py``), a clean environment, a private work folder, and an interpreter started
isolated (``-I -S``) with a controlled ``sys.path``.

When the grader is root (Gradescope, a container, a server), student code never runs as
root: every job runs as a user of its own (``users.py``) that owns only the job's
``home/`` and ``out/`` (``harness/launch.py`` switches to it, with no supplementary
groups and no new privileges), so it cannot read what other users cannot read (keep the
course ``chmod -R go-rwx``), write results, the Python installation or the grader, nor
signal or trace the grader. Where the kernel allows it (not under Docker's default
seccomp profile), the job also gets new PID, mount, IPC, network and UTS namespaces: a
fresh /proc without the grader's processes, no network, its own System V IPC, and
everything in it ends with it. Either way, before anything the job wrote is read, every
process of its user is killed (``kill(-1)`` as that user, until none is alive: a
double-forked, setsid daemon included), and what that user left in /tmp, /dev/shm and
System V IPC is removed. If the switch cannot be made, the backend refuses to start
(``SandboxError``): it never runs student code as root.

What it cannot hold as root: the network where no namespace can be made, /tmp (and
/dev/shm where no mount namespace can be made: otherwise the job's own, capped at the
lesson's ``scratch_mb``) is the machine's while a job runs, and files other users may
read stay readable. Run by an unprivileged grader, it runs as the grader's own user, beside the
grader: the grader's files (the reference too) are readable and writable, the network is
open, /proc shows the grader and signals reach it, and a daemon that calls setsid
outlives a cold run (see README, "What the process sandbox does not hold"). Use bwrap or
docker for untrusted submissions; ``isolation`` says which of these held.
"""

from __future__ import annotations

import json
import os
import pwd
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from grader.errors import SandboxSetting
from grader.harness.limits import apply_limits
from grader.sandbox.base import (
    SandboxError,
    SandboxJob,
    SandboxOutcome,
    host_site_paths,
    limits_of,
    python_roots,
    refuse_if_switched_off,
)
from grader.sandbox.users import LAUNCHER, Lease, end_job, lease_user, open_to, others_can_read
from grader.sandbox.watch import Watch, kill_tree

# Namespaces to ask for, strongest first; the first set the kernel grants is used.
NAMESPACE_SETS = [["pid", "mount", "ipc", "net", "uts"], ["pid", "ipc", "net", "uts"], ["pid"]]
_PROBED: dict[str, Any] = {}


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


def closed_above(path: Path) -> str | None:
    """The outermost folder on the way to ``path`` that other users cannot pass (a Python
    installed under /root, mode 0700), or None."""
    path = path.resolve()
    for folder in reversed([path, *path.parents]):
        try:
            if not os.stat(folder).st_mode & stat.S_IXOTH:
                return str(folder)
        except OSError:
            return str(folder)
    return None


def _probe(lease: Lease) -> dict[str, Any]:
    """What the launcher can make here (once per process): namespaces and the switch."""
    if "drop" not in _PROBED:
        proc = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "-I", "-S", "-B", str(LAUNCHER), "--probe", str(lease.uid),
             str(lease.gid), json.dumps(NAMESPACE_SETS)],
            capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"}, cwd="/")
        try:
            _PROBED.update(json.loads(proc.stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            raise SandboxError(f"the process sandbox's launcher failed: {proc.stderr[-500:]}"
                               ) from None
    return _PROBED


def _probe_unprivileged() -> list[str]:
    """The namespaces an unprivileged grader can make here inside a user namespace, proven
    by running a command in them; none where it cannot (another OS, userns disabled)."""
    if not sys.platform.startswith("linux"):
        return []
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "-I", "-S", "-B", str(LAUNCHER), "--probe-userns",
             json.dumps(NAMESPACE_SETS)], capture_output=True, text=True, timeout=60, cwd="/")
        names = list(json.loads(proc.stdout.strip().splitlines()[-1])["namespaces"])
        if not names:
            return []
        check = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "-I", "-S", "-B", str(LAUNCHER),
             json.dumps({"userns": True, "namespaces": names}), "--", sys.executable, "-I",
             "-S", "-c", "pass"], capture_output=True, timeout=60, cwd="/")
        return names if check.returncode == 0 else []
    except (OSError, ValueError, KeyError, IndexError, subprocess.SubprocessError):
        return []


def shm_hides(namespaces: list[str], tmp: str) -> str | None:
    """Why the grader's folders under ``tmp`` (its TMPDIR) would be out of a job's sight,
    or None: with mount and PID namespaces, each job (and a warm worker) gets a /dev/shm of
    its own, which covers a job folder or a worker's pool made under the machine's."""
    real = os.path.realpath(tmp)
    if {"mount", "pid"} <= set(namespaces) and (real + "/").startswith("/dev/shm/"):
        return (f"TMPDIR is {tmp}: the grader's folders would be under /dev/shm, which each "
                "job of the process sandbox gets a fresh copy of; point TMPDIR at another "
                "folder (e.g. /tmp), or unset it")
    return None


class ProcessBackend:
    name = "process"
    hides_files = False
    isolates_network = False
    supports_gpu = True  # the host's CUDA devices, when --gpu asks for them
    has_own_python = False
    supports_warm = True
    is_warm_pool = False
    warm_scratch: tuple[str, ...] = ()  # /tmp is the machine's: nothing of it is the worker's

    def __init__(self) -> None:
        self.as_root = os.geteuid() == 0
        self.namespaces: list[str] = []
        self.isolation = self._describe()

    def _describe(self) -> str:
        if not self.as_root:
            try:
                who = pwd.getpwuid(os.geteuid()).pw_name
            except KeyError:
                who = "?"
            if self.namespaces:
                return (f"process: as the grader's own user ({who}, uid {os.geteuid()}) in "
                        f"new user+{'+'.join(self.namespaces)} namespaces: files the grader "
                        "can read are not hidden")
            return (f"process: as the grader's own user ({who}, uid {os.geteuid()}), beside "
                    "the grader: its files, the network and /proc are not hidden")
        spaces = "+".join(self.namespaces) + " namespaces" if self.namespaces else \
            "no namespaces (the kernel refused them: the job's processes are killed by user)"
        return (f"process: a user of its own per job (not root; uids "
                f"{'-'.join(map(str, _uids()))}), {spaces}")

    def check_available(self) -> None:
        """As root: find what can be made here and prove it, by starting Python as a
        sandbox user; refuse (never fall back to root) when the switch does not hold.
        Unprivileged: the namespaces a user namespace allows here, if any (best effort)."""
        if not self.as_root:
            if "unprivileged" not in _PROBED:
                _PROBED["unprivileged"] = _probe_unprivileged()
            self.namespaces = list(_PROBED["unprivileged"])
            self.isolation = self._describe()
            self._check_tmp()
            return None
        if "checked" not in _PROBED:
            try:
                self._check()
                _PROBED["checked"] = None
            except SandboxError as e:
                _PROBED["checked"] = str(e)
        if _PROBED["checked"] is not None:
            raise SandboxError(_PROBED["checked"])
        self.namespaces = list(_PROBED.get("namespaces") or [])
        self.isolation = self._describe()
        self._check_tmp()
        return None

    def _check_tmp(self) -> None:
        """Refuse a TMPDIR that this backend's jobs could not see (``shm_hides``)."""
        why = shm_hides(self.namespaces, tempfile.gettempdir())
        if why is not None:
            raise SandboxSetting(why)

    def site_paths(self) -> list[str]:
        return host_site_paths()
    def _check(self) -> None:
        lease = lease_user()
        try:
            found = _probe(lease)
            if found.get("drop") != "ok":
                raise SandboxError(
                    "the grader runs as root and the process sandbox cannot switch student "
                    f"code to an unprivileged user here ({found.get('drop')}): refusing to "
                    "run student code as root")
            self.namespaces = list(found.get("namespaces") or [])
            cover, reveal = self._reveal([])
            if cover and "mount" not in self.namespaces:
                raise SandboxError(
                    f"the Python installation is inside {', '.join(cover)}, which other users "
                    "cannot enter, and no mount namespace can be made here to show it to the "
                    "sandbox's user: install Python where other users can read it")
            config = self._config(lease, 16, None, cover, reveal)
            proc = subprocess.run(  # noqa: S603 - fixed argv
                [sys.executable, "-I", "-S", "-B", str(LAUNCHER), json.dumps(config), "--",
                 sys.executable, "-I", "-S", "-B", "-c", "import os; os._exit(os.getuid() == 0)"],
                capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
                cwd="/")
            if proc.returncode != 0:
                raise SandboxError("the process sandbox cannot start Python as its unprivileged "
                                   f"user here (exit {proc.returncode}: "
                                   f"{(proc.stderr or proc.stdout).strip()[-300:]})")
        finally:
            try:
                end_job(lease)
            finally:
                lease.release()

    def _reveal(self, more: list[Path]) -> tuple[list[str], list[list[Any]]]:
        """Closed folders to cover and the paths to show through them (see
        ``launch.reveal``): the Python installation (read-only) and ``more`` (writable)."""
        wanted = [(Path(p), True) for p in python_roots()] + [(p, False) for p in more]
        cover: set[str] = set()
        reveal: list[list[Any]] = []
        for path, ro in wanted:
            closed = closed_above(path)
            if closed is not None:
                if Path(closed) == path.resolve():
                    raise SandboxError(f"{path} is closed to other users: the sandbox's user "
                                       "cannot use it")
                cover.add(closed)
                reveal.append([str(path.resolve()), ro])
        # a covered folder inside another is covered by it
        top = sorted(c for c in cover if not any(c != o and c.startswith(o.rstrip("/") + "/")
                                                 for o in cover))
        return top, reveal

    def _config(self, lease: Lease | None, max_processes: int, report_fd: int | None,
                cover: list[str], reveal: list[list[Any]],
                shm_mb: int | None = None) -> dict[str, Any]:
        if shm_mb is None:  # a lesson's default (imported here: pydantic and the spec
            from grader.course.spec import Limits  # noqa: PLC0415 - models are 150 ms that
            shm_mb = Limits().scratch_mb  # a cold grading must not wait for to start this)
        return {"uid": lease.uid if lease else None, "gid": lease.gid if lease else None,
                "clean": bool(lease and lease.clean),
                "stay_root": lease is None, "namespaces": self.namespaces,
                "max_processes": max_processes, "report_fd": report_fd,
                "cover": cover, "reveal": reveal, "shm_mb": shm_mb}

    def proof(self, uid: int, warm: bool = False, namespaces: list[str] | None = None) -> str:
        """This run's isolation, from what the launcher (or the warm worker) reported."""
        namespaces = self.namespaces if namespaces is None else namespaces
        spaces = "+".join(namespaces) + " namespaces" if namespaces else \
            "no namespaces (the kernel refused them: the job's processes killed by user)"
        return (f"process{'+warm' if warm else ''}: uid {uid}, a user of its own for this job "
                f"(not root, no groups, no new privileges), {spaces}")

    def command(self, job: SandboxJob) -> list[str]:
        main = job.workdir / "lib" / "harness" / "main.py"
        return [sys.executable, "-I", "-S", "-B", str(main), str(job.workdir)]

    def can_read(self, folder: Path) -> bool:
        """Whether student code could read a file in ``folder``: as the grader's own user,
        whatever the grader can; as a user of its own, what others may read."""
        return not self.as_root or others_can_read(folder)

    def run(self, job: SandboxJob) -> SandboxOutcome:
        limits = limits_of(job)

        def preexec() -> None:  # runs in the child, before exec
            os.setsid()
            apply_limits(limits)

        cwd = str(job.workdir / "home")
        if not self.as_root and not self.namespaces:
            return run_with_limits(self.command(job), job, preexec, cwd=cwd)
        if not self.as_root:  # the grader's own user, in namespaces of a user namespace
            config = {"uid": None, "userns": True, "namespaces": self.namespaces}
            cmd = [sys.executable, "-I", "-S", "-B", str(LAUNCHER), json.dumps(config), "--",
                   *self.command(job)]
            return run_with_limits(cmd, job, preexec, cwd=cwd,
                                   base_tasks=2 if "pid" in self.namespaces else 1)
        lease = lease_user()
        report: dict[str, Any] = {}
        try:
            open_to(job.workdir, lease)
            cover, reveal = self._reveal([job.workdir])
            read_end, write_end = os.pipe()
            config = self._config(lease, job.max_processes, write_end, cover, reveal,
                                  job.scratch_mb)
            cmd = [sys.executable, "-I", "-S", "-B", str(LAUNCHER), json.dumps(config), "--",
                   *self.command(job)]
            try:
                outcome = run_with_limits(cmd, job, preexec, cwd=cwd, pass_fds=(write_end,),
                                          base_tasks=2 if "pid" in self.namespaces else 1)
            finally:
                os.close(write_end)
                report = _read_report(read_end)
            if "error" in report:
                raise SandboxError(f"the process sandbox could not start: {report['error']}")
            outcome.isolation = self.proof(lease.uid, namespaces=report.get("namespaces"))
        finally:
            try:
                # every process of the job's user, whatever happened: when the launcher
                # finished, it has killed them (or the end of its PID namespace has); when
                # it did not (the wall time), it is done here
                end_job(lease, killed="status" in report and bool(report.get("cleared")))
            finally:
                lease.release()
        return outcome

    def zygote_command(self, pool: Path) -> list[str]:
        """The warm worker for a pool folder (see ``warm.py``): a plain process; as root,
        one that stays root (it drops to each job's user in the child that runs the job)
        inside the namespaces this machine allows."""
        cmd = [sys.executable, "-I", "-S", "-B", str(pool / "lib" / "harness" / "zygote.py"),
               str(pool)]
        if not self.as_root:
            if not self.namespaces:
                return cmd
            config = {"uid": None, "userns": True, "namespaces": self.namespaces}
            return [sys.executable, "-I", "-S", "-B", str(LAUNCHER), json.dumps(config), "--",
                    *cmd]
        for folder in (pool, pool.parent):
            os.chmod(folder, 0o711)
        for folder, _dirs, files in os.walk(pool / "lib"):  # what a job may still import
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
        cover, reveal = self._reveal([pool])
        config = self._config(None, 0, None, cover, reveal)
        return [sys.executable, "-I", "-S", "-B", str(LAUNCHER), json.dumps(config), "--", *cmd]

    def zygote_view(self, pool: Path) -> Path:
        """Where the worker sees the pool folder."""
        return pool

    def zygote_root(self, pool: Path, client_pid: int) -> int:
        return client_pid

    def zygote_stop(self, pool: Path) -> None:
        return None

    def job_user(self) -> Lease | None:
        """The user a warm job runs as (None: the grader's own, when it is not root)."""
        return lease_user() if self.as_root else None

    def open_job(self, work: Path, lease: Lease | None) -> None:
        """A job moved into a warm worker's pool: readable by its user, who owns home/,
        out/ and log/ only."""
        if lease is not None:
            open_to(work, lease, writable=("home", "out", "log"))

    def warm_isolation(self, lease: Lease | None) -> str | None:
        return self.proof(lease.uid, warm=True) if lease is not None else None


def _uids() -> tuple[int, int]:
    from grader.sandbox.users import uid_range  # noqa: PLC0415

    start, end = uid_range()
    return start, end - 1


def json_object(line: str | bytes) -> dict[str, Any] | None:
    """``line`` as a JSON object, or None (not JSON, or not an object): what a launcher or a
    worker of ours writes, one per line, read past anything else on the same channel."""
    try:
        found = json.loads(line)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _read_report(fd: int) -> dict[str, Any]:
    """The launcher's last JSON line (what it made, how the command ended)."""
    os.set_blocking(fd, False)
    data = b""
    try:
        while len(data) < 65536:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
    except BlockingIOError:
        pass
    finally:
        os.close(fd)
    for line in reversed(data.decode(errors="replace").splitlines()):
        if (found := json_object(line)) is not None:
            return found
    return {}


def run_with_limits(cmd: list[str], job: SandboxJob, preexec: object, cwd: str,
                    base_tasks: int = 0, pass_fds: tuple[int, ...] = ()) -> SandboxOutcome:
    """Start ``cmd``, cap its output, enforce the wall time, watch its files and processes
    (``watch.py``; ``base_tasks`` are the wrapper's own), the memory of all its processes
    together, and kill its whole tree."""
    refuse_if_switched_off(f"a cold {Path(cmd[0]).name} sandbox")
    start = time.monotonic()
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=clean_env(job), cwd=cwd, preexec_fn=preexec,  # type: ignore[arg-type]
        close_fds=True, pass_fds=pass_fds,
    )
    job.started()
    out: list[bytes] = []
    err: list[bytes] = []
    trunc = [False]
    readers = [threading.Thread(target=_drain, args=(proc.stdout, job.max_output_bytes, out, trunc),
                                daemon=True),
               threading.Thread(target=_drain, args=(proc.stderr, job.max_output_bytes, err, trunc),
                                daemon=True)]
    for r in readers:
        r.start()
    watch = Watch([job.workdir], lambda: kill_tree(proc.pid), job, root=proc.pid,
                  base_tasks=base_tasks)
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
