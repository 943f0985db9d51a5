"""Warm workers: a pool of sandboxed fork servers with torch already imported.

``import torch`` costs about 1.5 s per fresh process. A warm worker is started once in
the base backend's sandbox (``process`` or ``bwrap``), imports torch, and then forks a
fresh child per submission (``harness/zygote.py``), so each submission still gets a new
process, its own limits, session and folder, and nothing it leaves behind survives it.
Jobs run one at a time per worker; a pool of several workers grades in parallel. While a
job runs, its files and processes are watched from outside (``watch.py``): past a limit,
the worker is killed with the job. A worker that dies (a submission may kill it) is
replaced, and that job is reported as crashed; so is a job that moved its folder away.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import select
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

from grader.sandbox.base import (
    HARNESS_DIR,
    Backend,
    SandboxError,
    SandboxJob,
    SandboxOutcome,
    WarmHost,
    limits_of,
    refuse_if_switched_off,
)
from grader.sandbox.folder import ChannelError, JobFolder
from grader.sandbox.process import clean_env, json_object, kill_group
from grader.sandbox.users import Lease, end_job
from grader.sandbox.watch import Watch, kill_tree, memory_used, tasks_under, tree

START_TIMEOUT_S = 120.0
MAX_ANSWER_BYTES = 1 << 20  # one answer is a short line; more unread is a broken worker
GRACE_S = 15.0  # beyond a job's wall time before the worker itself is presumed hung


class _Refused(SandboxError):
    """The worker turned a job down before running any of it (an ``error`` answer: the
    user it would run as still had processes it could not kill). Nothing of the job ran:
    it may run again, on another worker."""


class _Worker:
    """One fork server in its own sandbox, with its own pool folder."""

    def __init__(self, base: WarmHost, root: Path, preload: tuple[str, ...] = ()) -> None:
        """Start a worker (``wait_ready`` waits until it has imported torch)."""
        refuse_if_switched_off(f"a warm {base.name} worker")
        self.base = base
        self.pool = Path(tempfile.mkdtemp(prefix="worker-", dir=root))
        shutil.copytree(HARNESS_DIR, self.pool / "lib" / "harness",
                        ignore=shutil.ignore_patterns("__pycache__"))
        # the worker's IPC namespace is its sandbox's own (not the machine's) where the
        # sandbox hides files: what a job leaves there is removed after it
        (self.pool / "zygote.json").write_text(json.dumps(
            {"site_paths": base.site_paths(), "scratch": list(base.warm_scratch),
             "preload": list(preload), "sweep_ipc": bool(base.hides_files)}))
        self.log = root / f"{self.pool.name}.log"  # outside the pool: not writable inside
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
                base.zygote_command(self.pool), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log, text=True, start_new_session=True, cwd="/",
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1",
                     "MKL_NUM_THREADS": "1"})
        assert self.proc.stdout is not None
        self._answers = self.proc.stdout.fileno()
        self._pending = b""
        self._ended = False
        self.root = self.proc.pid
        self.base_tasks = 0
        # the user of the last job, which this worker sweeps after answering: held until
        # it answers again (it sweeps before it reads the next request) or has stopped
        self._sweeping: Lease | None = None

    def wait_ready(self) -> None:
        ready = self._reply(START_TIMEOUT_S)
        if not ready or not ready.get("ready"):
            self.close()
            raise SandboxError(f"the warm {self.base.name} worker did not start")
        # what the jobs run under, as this machine sees it (a container's init for docker),
        # and its own processes and threads when idle: a job's are counted beyond these
        self.root = self.base.zygote_root(self.pool, self.proc.pid)
        # (a spare child the worker forked ahead for the next job is the job's, not its own)
        self.base_tasks = tasks_under(self.root) - int(ready.get("spares", 0)) \
            if os.geteuid() == 0 else 0
        idle = tree(self.root)
        self.base_memory = (memory_used(idle), memory_used(idle, precise=True))

    def _reply(self, timeout: float) -> dict[str, Any] | None:
        """The worker's next answer (one JSON line), or None if it ended or did not answer
        within ``timeout``. Read here, in the thread that waits for it: handed over by a
        reader thread, each answer cost a switch between threads (~1-3 ms while the
        oracle's thread holds the interpreter)."""
        deadline = time.monotonic() + timeout
        while True:
            line, newline, rest = self._pending.partition(b"\n")
            if newline:
                self._pending = rest
                if (answer := json_object(line)) is not None:
                    return answer
                continue
            left = deadline - time.monotonic()
            if self._ended or left <= 0 or len(self._pending) > MAX_ANSWER_BYTES:
                return None
            try:
                if not select.select([self._answers], [], [], left)[0]:
                    continue
                chunk = os.read(self._answers, 65536)
            except (OSError, ValueError):
                chunk = b""
            if not chunk:
                self._ended = True  # the worker is gone
            self._pending += chunk

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, job: SandboxJob) -> SandboxOutcome:
        """Move the job's folder into the pool, run it, move it back."""
        refuse_if_switched_off(f"a job on a warm {self.base.name} worker")
        lease = self.base.job_user()  # a root grader's process sandbox: a user per job
        held = False
        try:
            outcome, held = self._run(job, lease)
            return outcome
        finally:
            if lease is not None and not held:
                lease.release()

    def _swept(self, answered: bool) -> None:
        """The previous job's user is free: the worker ``answered`` since (so it swept that
        user's files first), or else the grader kills and sweeps what that user left."""
        lease, self._sweeping = self._sweeping, None
        if lease is None:
            return
        try:
            if answered:
                lease.mark_clean()
            else:
                end_job(lease)
        finally:
            lease.release()

    def _run(self, job: SandboxJob, lease: Lease | None) -> tuple[SandboxOutcome, bool]:
        """The outcome, and whether the worker now holds ``lease`` (``_sweeping``)."""
        name = f"job-{os.urandom(8).hex()}"
        inside = self.pool / name
        _move(job.workdir, inside)
        (inside / "log").mkdir(exist_ok=True)
        for d in (inside, inside / "home", inside / "out", inside / "log"):
            os.chmod(d, 0o777 if self.base.hides_files else 0o700)
        # a container's user, or the job's own, is not ours: it must read the files
        self.base.open_job(inside, lease)
        view = self.base.zygote_view(self.pool) / name
        env = clean_env(job)
        # the job's home as the worker sees it (the folder was moved into the pool)
        env.update(HOME=str(view / "home"), MPLCONFIGDIR=str(view / "home"),
                   TMPDIR="/tmp" if self.base.hides_files else str(view / "home"))
        request = {"job": name, "limits": limits_of(job), "env": env,
                   "wall_time_s": job.wall_time_s}
        if lease is not None:
            request.update(uid=lease.uid, gid=lease.gid, clean=lease.clean)
        started = time.monotonic()
        reply: dict[str, Any] | None = None
        watch = Watch([self.pool], self._halt, job, root=self.root, base_tasks=self.base_tasks,
                      base_memory=self.base_memory)
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            job.started()
            reply = self._reply(job.wall_time_s + GRACE_S)
        except (BrokenPipeError, OSError):
            reply = None
        finally:
            stopped = watch.close()
            if reply is not None and reply.get("cleared") is False and not stopped:
                stopped = "its processes did not end when killed"
            if reply is None or stopped:  # the worker died, hung or was stopped: none of it
                self.stop()               # may run on
            else:
                self._swept(answered=True)  # it answered: the previous job's user is free
            held = False
            if lease is not None and reply is not None and not stopped \
                    and reply.get("cleared"):
                if reply.get("sweeps_after"):  # killed everything of that user; sweeps next
                    self._sweeping, held = lease, True
                else:
                    lease.mark_clean()  # the worker killed and swept everything of that user
            elif lease is not None:
                end_job(lease)  # the worker did not: every process of the job's user, before
                # any output is read
            if _is_folder(inside):
                _move(inside, job.workdir)
            else:  # the job moved its folder away, or left a link: read nothing through it
                stopped = stopped or "moved or replaced its work folder"
                _discard(inside)
                for sub in ("out", "log"):
                    (job.workdir / sub).mkdir(parents=True, exist_ok=True)
            refused = reply is not None and not stopped and "error" in reply
            if reply is None or stopped or refused:
                self.close()  # (one that refused a job is no use for the next one either)
        if refused:
            assert reply is not None
            raise _Refused(f"the warm {self.base.name} worker refused a job: "
                           f"{str(reply['error'])[:200]}")
        duration = time.monotonic() - started
        stdout, t1 = _head(job.workdir, "log/stdout", job.max_output_bytes)
        stderr, t2 = _head(job.workdir, "log/stderr", job.max_output_bytes)
        isolation = self.base.warm_isolation(lease)
        if stopped or reply is None:
            return SandboxOutcome(exit_code=None, timed_out=False, signal=9, duration_s=duration,
                                  stdout=stdout, stderr=stderr, output_truncated=t1 or t2,
                                  stopped=stopped, worker_lost=not stopped), held
        return SandboxOutcome(
            exit_code=reply["exit_code"], timed_out=bool(reply["timed_out"]),
            signal=reply["signal"], duration_s=float(reply["duration_s"]), stdout=stdout,
            stderr=stderr, output_truncated=t1 or t2,
            memory_exceeded="MemoryError" in stderr or "DefaultCPUAllocator" in stderr,
            isolation=isolation), held

    def _halt(self) -> None:
        """End the worker and its job at once (a watched limit was passed)."""
        kill_tree(self.proc.pid)
        self.base.zygote_stop(self.pool)

    def stop(self) -> None:
        """End the worker and everything in its sandbox."""
        ended = False  # on request: it read the request, so it swept the last job's user
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(json.dumps({"stop": True}) + "\n")
                self.proc.stdin.flush()
                ended = self.proc.wait(timeout=2) == 0
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        kill_group(self.proc.pid)
        self.proc.wait()
        self.base.zygote_stop(self.pool)  # a worker the client does not own (a container)
        self._swept(answered=ended)

    def kill(self) -> None:
        """End the worker at once, whatever it is doing (still starting, say)."""
        kill_group(self.proc.pid)
        self.base.zygote_stop(self.pool)
        self._swept(answered=False)

    def close(self) -> None:
        """End the worker and remove its pool folder."""
        self.stop()
        shutil.rmtree(self.pool, ignore_errors=True)


def _move(src: Path, dest: Path) -> None:
    try:
        os.rename(src, dest)
    except OSError:  # another filesystem
        shutil.copytree(src, dest, symlinks=True)
        shutil.rmtree(src)


def _is_folder(path: Path) -> bool:
    """A real folder at ``path`` (a link to one is not)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _discard(path: Path) -> None:
    """Remove whatever is at ``path`` (a link is removed, never followed)."""
    if _is_folder(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _head(work: Path, relative: str, limit: int) -> tuple[str, bool]:
    """The first ``limit`` bytes of a regular file of the job's folder (read through the
    folder's descriptor, never following a link anywhere below it), and whether there was
    more."""
    try:
        with JobFolder(work) as folder:
            data, more = folder.head(relative, limit)
    except ChannelError as e:
        return f"(not read: {e})\n", False
    return data.decode("utf-8", "replace"), more


class WarmBackend:
    """The base backend's isolation, with warm workers: same interface as the others."""

    supports_gpu = False  # a worker's sandbox is started once, without devices
    supports_warm = False  # it is warm already
    is_warm_pool = True

    def __init__(self, base: Backend, workers: int = 2,
                 preload: tuple[str, ...] | None = None) -> None:
        """``preload``: what each worker imports before it forks a job (None: the spec's
        default ``warm_imports``, for a pool that grades any lesson; its models are loaded
        only then, so a pool started before them passes its own, even ``()``)."""
        if preload is None:
            from grader.course.spec import WARM_IMPORTS_DEFAULT  # noqa: PLC0415

            preload = WARM_IMPORTS_DEFAULT
        if not base.supports_warm:
            raise SandboxError(f"the {base.name} sandbox has no warm mode")
        self.base = cast(WarmHost, base)
        self.name = f"{base.name}+warm"
        self.hides_files = base.hides_files
        self.isolates_network = base.isolates_network
        self.has_own_python = base.has_own_python
        self.size = max(1, workers)
        self.preload = preload
        self._root = Path(tempfile.mkdtemp(prefix="grade-pool-"))
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._started = 0
        self._lock = threading.Lock()
        self._all: list[_Worker] = []
        self._starting: list[Future[_Worker]] = []  # started by ``start``, not yet taken
        self._booting: set[_Worker] = set()  # processes started, not yet ready
        self._closed = False
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm-spawner")
        atexit.register(self.close)

    def check_available(self) -> None:
        self.base.check_available()

    @property
    def isolation(self) -> str:
        return f"{self.base.isolation}; warm worker"

    def can_read(self, folder: Path) -> bool:
        return self.base.can_read(folder)

    def site_paths(self) -> list[str]:
        return self.base.site_paths()

    def start(self) -> None:
        """Start one more worker in the background now, if the pool has room: the next run
        takes it, so its start (``import torch`` in the sandbox) overlaps whatever this
        process does meanwhile (importing torch itself, drawing inputs)."""
        with self._lock:
            if self._started < self.size and not self._closed:
                self._started += 1
                self._starting.append(self._spawn())

    def _spawn(self) -> Future[_Worker]:
        # bwrap's --die-with-parent follows the *thread* that started it: start workers
        # from a thread that lives as long as the pool
        return self._spawner.submit(self._new_worker)

    def _new_worker(self) -> _Worker:
        worker = _Worker(self.base, self._root, self.preload)
        with self._lock:
            closed = self._closed
            if not closed:
                self._booting.add(worker)  # close() ends it at once from there
        try:
            if closed:  # closed while it started: nobody will take it
                raise SandboxError(f"the warm {self.base.name} pool was closed")
            worker.wait_ready()
        except BaseException:
            worker.kill()
            worker.close()
            raise
        finally:
            with self._lock:
                self._booting.discard(worker)
        return worker

    @property
    def closed(self) -> bool:
        return self._closed

    def _acquire(self) -> _Worker:
        with self._lock:
            if self._closed:  # its workers are gone: nothing would ever be free again
                raise SandboxError(f"the warm {self.base.name} pool was closed")
            if self._starting:
                starting: Future[_Worker] | None = self._starting.pop(0)
            elif self._idle.empty() and self._started < self.size:
                self._started += 1
                starting = self._spawn()
            else:
                starting = None
        if starting is None:
            return self._idle.get()
        try:
            worker = starting.result()
        except BaseException:
            with self._lock:
                self._started -= 1
            raise
        with self._lock:
            self._all.append(worker)
        return worker

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            closed = self._closed
        if closed:  # closed while the job ran: the pool's close ended this worker too
            return
        if worker.alive:
            self._idle.put(worker)
            return
        with self._lock:  # replaced on the next acquire
            self._started -= 1
            self._all.remove(worker)

    def run(self, job: SandboxJob) -> SandboxOutcome:
        """Run ``job`` on a free worker; one that refuses it (before running any of it: a
        fault of this machine, not of the submission) is replaced, and the job runs once
        more on another. A second refusal is the grader's error (``SandboxError``)."""
        try:
            return self._run_once(job)
        except _Refused:  # that worker is closed now: a fresh one takes the job
            return self._run_once(job)

    def _run_once(self, job: SandboxJob) -> SandboxOutcome:
        worker = self._acquire()
        try:
            return worker.run(job)
        finally:
            self._release(worker)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            starting, self._starting = self._starting, []
            booting = list(self._booting)
        for worker in booting:  # ended now: its start then fails at once
            worker.kill()
        for fut in starting:  # started but never taken (the grading stopped before it ran)
            if fut.done() and fut.exception() is None:
                self._all.append(fut.result())
            fut.cancel()
        for worker in list(self._all):
            worker.close()
        self._all.clear()
        while not self._idle.empty():  # (closed above)
            self._idle.get_nowait()
        self._spawner.shutdown(wait=False)
        shutil.rmtree(self._root, ignore_errors=True)
