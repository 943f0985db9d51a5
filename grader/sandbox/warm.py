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
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from grader.sandbox.base import SandboxError, SandboxJob, SandboxOutcome, limits_of
from grader.sandbox.channel import ChannelError, JobFolder
from grader.sandbox.process import clean_env, kill_group
from grader.sandbox.run import HARNESS_DIR, site_paths
from grader.sandbox.watch import Watch, kill_tree, memory_used, tasks_under, tree

START_TIMEOUT_S = 120.0
GRACE_S = 15.0  # beyond a job's wall time before the worker itself is presumed hung


class _Worker:
    """One fork server in its own sandbox, with its own pool folder."""

    def __init__(self, base: Any, root: Path) -> None:
        self.base = base
        self.pool = Path(tempfile.mkdtemp(prefix="worker-", dir=root))
        shutil.copytree(HARNESS_DIR, self.pool / "lib" / "harness",
                        ignore=shutil.ignore_patterns("__pycache__"))
        scratch = ["/tmp", "/dev/shm", "/var/tmp"] if base.hides_files else []
        # the worker's IPC namespace is its sandbox's own (not the machine's) where the
        # sandbox hides files: what a job leaves there is removed after it
        (self.pool / "zygote.json").write_text(json.dumps(
            {"site_paths": site_paths(base), "scratch": scratch,
             "sweep_ipc": bool(base.hides_files)}))
        self.log = root / f"{self.pool.name}.log"  # outside the pool: not writable inside
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
                base.zygote_command(self.pool), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log, text=True, start_new_session=True, cwd="/",
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1",
                     "MKL_NUM_THREADS": "1"})
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        ready = self._reply(START_TIMEOUT_S)
        if not ready or not ready.get("ready"):
            self.close()
            raise SandboxError(f"the warm {base.name} worker did not start")
        # what the jobs run under, as this machine sees it (a container's init for docker),
        # and its own processes and threads when idle: a job's are counted beyond these
        root_of = getattr(base, "zygote_root", None)
        self.root = root_of(self.pool, self.proc.pid) if root_of else self.proc.pid
        self.base_tasks = tasks_under(self.root) if os.geteuid() == 0 else 0
        idle = tree(self.root)
        self.base_memory = (memory_used(idle), memory_used(idle, precise=True))

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self._replies.put(json.loads(line))
            except json.JSONDecodeError:
                continue
        self._replies.put(None)  # the worker is gone

    def _reply(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self._replies.get(timeout=timeout)
        except queue.Empty:
            return None

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, job: SandboxJob) -> SandboxOutcome:
        """Move the job's folder into the pool, run it, move it back."""
        name = f"job-{os.urandom(8).hex()}"
        inside = self.pool / name
        _move(job.workdir, inside)
        (inside / "log").mkdir(exist_ok=True)
        for d in (inside, inside / "home", inside / "out", inside / "log"):
            os.chmod(d, 0o777 if self.base.hides_files else 0o700)
        open_job = getattr(self.base, "open_job", None)
        if open_job is not None:  # a container's user is not ours: it must read the files
            open_job(inside)
        view = self.base.zygote_view(self.pool) / name
        env = clean_env(job)
        env.update(HOME=str(view / "home"),
                   TMPDIR="/tmp" if self.base.hides_files else str(view / "home"))
        request = {"job": name, "limits": limits_of(job), "env": env,
                   "wall_time_s": job.wall_time_s}
        started = time.monotonic()
        reply: dict[str, Any] | None = None
        watch = Watch([self.pool], self._halt, root=self.root, max_tasks=job.max_processes,
                      base_tasks=self.base_tasks, max_memory_mb=job.memory_mb,
                      base_memory=self.base_memory)
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            reply = self._reply(job.wall_time_s + GRACE_S)
        except (BrokenPipeError, OSError):
            reply = None
        finally:
            stopped = watch.close()
            if reply is None or stopped:  # the worker died, hung or was stopped: none of it
                self.stop()               # may run on
            if _is_folder(inside):
                _move(inside, job.workdir)
            else:  # the job moved its folder away, or left a link: read nothing through it
                stopped = stopped or "moved or replaced its work folder"
                _discard(inside)
                for sub in ("out", "log"):
                    (job.workdir / sub).mkdir(parents=True, exist_ok=True)
            if reply is None or stopped:
                self.close()
        duration = time.monotonic() - started
        stdout, t1 = _head(job.workdir, "log/stdout", job.max_output_bytes)
        stderr, t2 = _head(job.workdir, "log/stderr", job.max_output_bytes)
        if stopped or reply is None or "error" in reply:
            return SandboxOutcome(exit_code=None, timed_out=False, signal=9, duration_s=duration,
                                  stdout=stdout, stderr=stderr + "\n(the warm worker died)",
                                  output_truncated=t1 or t2, stopped=stopped)
        return SandboxOutcome(
            exit_code=reply["exit_code"], timed_out=bool(reply["timed_out"]),
            signal=reply["signal"], duration_s=float(reply["duration_s"]), stdout=stdout,
            stderr=stderr, output_truncated=t1 or t2,
            memory_exceeded="MemoryError" in stderr or "DefaultCPUAllocator" in stderr)

    def _halt(self) -> None:
        """End the worker and its job at once (a watched limit was passed)."""
        kill_tree(self.proc.pid)
        stop = getattr(self.base, "zygote_stop", None)
        if stop is not None:
            stop(self.pool)

    def stop(self) -> None:
        """End the worker and everything in its sandbox."""
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(json.dumps({"stop": True}) + "\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=2)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        kill_group(self.proc.pid)
        self.proc.wait()
        stop = getattr(self.base, "zygote_stop", None)
        if stop is not None:  # a worker the client does not own (a container) goes too
            stop(self.pool)

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

    def __init__(self, base: Any, workers: int = 2) -> None:
        if not hasattr(base, "zygote_command"):
            raise SandboxError(f"the {base.name} sandbox has no warm mode")
        self.base = base
        self.name = f"{base.name}+warm"
        self.hides_files = base.hides_files
        self.size = max(1, workers)
        self._root = Path(tempfile.mkdtemp(prefix="grade-pool-"))
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._started = 0
        self._lock = threading.Lock()
        self._all: list[_Worker] = []
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm-spawner")
        atexit.register(self.close)

    def check_available(self) -> None:
        self.base.check_available()

    def site_paths(self) -> list[str]:
        return site_paths(self.base)

    def _acquire(self) -> _Worker:
        with self._lock:
            if self._idle.empty() and self._started < self.size:
                self._started += 1
                try:
                    # bwrap's --die-with-parent follows the *thread* that started it: start
                    # workers from a thread that lives as long as the pool
                    worker = self._spawner.submit(_Worker, self.base, self._root).result()
                except BaseException:
                    self._started -= 1
                    raise
                self._all.append(worker)
                return worker
        return self._idle.get()

    def _release(self, worker: _Worker) -> None:
        if worker.alive:
            self._idle.put(worker)
            return
        with self._lock:  # replaced on the next acquire
            self._started -= 1
            self._all.remove(worker)

    def run(self, job: SandboxJob) -> SandboxOutcome:
        worker = self._acquire()
        try:
            return worker.run(job)
        finally:
            self._release(worker)

    def close(self) -> None:
        for worker in list(self._all):
            worker.close()
        self._all.clear()
        self._spawner.shutdown(wait=False)
        shutil.rmtree(self._root, ignore_errors=True)
