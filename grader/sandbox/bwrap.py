"""The ``bwrap`` backend: bubblewrap namespaces around the process backend's limits.

Only what the harness needs is mounted, read-only: system libraries, the Python
installation and the environment holding torch. The work folder appears at
``/sandbox`` (the harness read-only, ``home/`` and ``out/`` writable); ``/tmp``,
``/dev/shm`` and ``/var/tmp`` are fresh folders of the job's own on disk (not RAM), inside
its work folder where the scratch-size watch sees them (``watch.py``), and the rest of the
file system is read-only. There is no network, a new PID/IPC/UTS/user namespace (uid
65534), and the whole tree dies with the grader. The reference, held-out data and the
grader's own files are not mounted at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from grader.harness.limits import apply_limits
from grader.sandbox.base import (
    SandboxError,
    SandboxJob,
    SandboxOutcome,
    host_site_paths,
    limits_of,
    python_roots,
)
from grader.sandbox.process import clean_env, run_with_limits
from grader.sandbox.users import Lease

INSIDE = Path("/sandbox")
JOBS = Path("/jobs")  # the warm worker's pool folder
_SYSTEM = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache",
           "/etc/alternatives", "/etc/ssl/certs"]
_SCRATCH = {"tmp": "/tmp", "shm": "/dev/shm", "vartmp": "/var/tmp"}  # scratch/<name> -> inside
# last, once every mount point exists: bwrap's own root and /dev become read-only (they are
# RAM, and would otherwise take any number of files)
_SEAL = ["--remount-ro", "/dev", "--remount-ro", "/"]


def scratch_folder(base: Path) -> Path:
    """``base/scratch`` with a writable folder for each of /tmp, /dev/shm and /var/tmp."""
    scratch = base / "scratch"
    for name in _SCRATCH:
        (scratch / name).mkdir(parents=True, exist_ok=True)
        os.chmod(scratch / name, 0o777)
    return scratch


class BwrapBackend:
    name = "bwrap"
    hides_files = True
    isolates_network = True
    supports_gpu = False  # no /dev/nvidia* inside
    has_own_python = False  # this machine's, mounted read-only
    supports_warm = True
    is_warm_pool = False
    warm_scratch = tuple(_SCRATCH.values())  # a worker's private /tmp, /dev/shm, /var/tmp

    def __init__(self) -> None:
        self.exe = shutil.which("bwrap")
        self.isolation = (
            "bwrap: uid 65534 in new user, PID, mount, IPC, network and UTS namespaces; only "
            "the system and Python mounted, read-only; private /tmp"
            + (" (the grader is root: host uid 0 without capabilities)"
               if os.geteuid() == 0 else ""))

    def check_available(self) -> None:
        if not self.exe:
            raise SandboxError("bubblewrap (bwrap) is not installed")
        probe = subprocess.run([self.exe, "--ro-bind", "/", "/", "--unshare-all", "true"],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            raise SandboxError(f"bubblewrap cannot create namespaces here: {probe.stderr.strip()}")

    def site_paths(self) -> list[str]:
        return host_site_paths()

    def _namespaces(self, env: dict[str, str], scratch: Path) -> list[str]:
        """bwrap's arguments up to the mounts of the work folder: namespaces, a read-only
        system and Python, private /proc and /dev, /tmp, /dev/shm and /var/tmp from the
        ``scratch`` folder (see ``scratch_folder``), and the given environment only."""
        assert self.exe is not None
        cmd = [self.exe, "--unshare-all", "--die-with-parent", "--new-session",
               "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
               "--proc", "/proc", "--dev", "/dev"]
        for path in _SYSTEM:
            cmd += ["--ro-bind-try", path, path]
        for name, inside in _SCRATCH.items():
            cmd += ["--bind", str(scratch / name), inside]
        # after the scratch folders: a Python installed under /tmp (a venv in a clone there)
        # stays visible on top of the private /tmp
        for root in python_roots():
            cmd += ["--ro-bind", root, root]
        cmd.append("--clearenv")
        for k, v in env.items():
            cmd += ["--setenv", k, v]
        return cmd

    def command(self, job: SandboxJob) -> list[str]:
        work = job.workdir
        env = clean_env(job)
        env.update(HOME=str(INSIDE / "home"), MPLCONFIGDIR=str(INSIDE / "home"), TMPDIR="/tmp")
        cmd = self._namespaces(env, scratch_folder(work))
        cmd += ["--ro-bind", str(work), str(INSIDE),
                "--bind", str(work / "home"), str(INSIDE / "home"),
                "--bind", str(work / "out"), str(INSIDE / "out"),
                "--chdir", str(INSIDE / "home")] + _SEAL
        main = INSIDE / "lib" / "harness" / "main.py"
        return cmd + [sys.executable, "-I", "-S", "-B", str(main), str(INSIDE)]

    def run(self, job: SandboxJob) -> SandboxOutcome:
        limits = limits_of(job)
        # the unprivileged uid inside owns home/ and out/
        for d in (job.workdir / "home", job.workdir / "out"):
            os.chmod(d, 0o777)

        def preexec() -> None:
            os.setsid()
            apply_limits(limits)

        # bwrap and its init are two processes of the tree the watch counts
        return run_with_limits(self.command(job), job, preexec, cwd="/", base_tasks=2)

    def zygote_command(self, pool: Path) -> list[str]:
        """The warm worker for a pool folder (see ``warm.py``), in its own namespaces: the
        pool is writable at /jobs but its harness copy is read-only; /tmp, /dev/shm and
        /var/tmp are the pool's ``scratch/`` folders, private to this worker and wiped
        between jobs."""
        os.chmod(pool, 0o777)
        cmd = self._namespaces({"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                                "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
                               scratch_folder(pool))
        cmd += ["--bind", str(pool), str(JOBS), "--ro-bind", str(pool / "lib"), str(JOBS / "lib"),
                "--ro-bind", str(pool / "zygote.json"), str(JOBS / "zygote.json"),
                "--chdir", str(JOBS)] + _SEAL
        return cmd + [sys.executable, "-I", "-S", "-B", str(JOBS / "lib" / "harness" / "zygote.py"),
                      str(JOBS)]

    def zygote_view(self, pool: Path) -> Path:
        return JOBS

    def zygote_root(self, pool: Path, client_pid: int) -> int:
        return client_pid

    def can_read(self, folder: Path) -> bool:
        return False  # only the system and Python are mounted

    def job_user(self) -> Lease | None:
        return None  # uid 65534 in its own user namespace

    def open_job(self, work: Path, lease: Lease | None) -> None:
        return None

    def warm_isolation(self, lease: Lease | None) -> str | None:
        return None

    def zygote_stop(self, pool: Path) -> None:
        return None  # --die-with-parent: the worker's namespaces end with its bwrap
