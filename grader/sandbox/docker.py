"""The ``docker`` backend: each submission in a fresh container of the grading image.

The image (the project's ``Dockerfile``: Python, the CPU torch, the grader) holds nothing of
the course; the work folder is bind-mounted at ``/sandbox``, read-only but for ``home/``
and ``out/``. The container has no network, a read-only root, a size-capped ``/tmp``, no
capabilities, no new privileges, an unprivileged user (nobody, 65534), an IPC namespace
in which no System V object can be made, cgroup limits on memory (swap included), CPUs
and processes, and rlimits on CPU time, file size, open files and core dumps. Output is
streamed back and capped, and what the job writes to the host's disk (home/, out/) is
watched in all (``watch.py``); at the wall time the container is killed, and it is always
removed. ``--gpu`` passes the machine's GPUs in.

Warm mode (``warm.py``) runs the same fork server as the other backends in one long-lived
container per worker, controlled over ``docker run -i``'s stdin and stdout.

The ``docker`` package is imported only when this backend is used.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from grader.course.spec import Limits
from grader.harness.limits import NO_IPC
from grader.sandbox.base import (
    SandboxError,
    SandboxJob,
    SandboxOutcome,
    limits_of,
    refuse_if_switched_off,
)
from grader.sandbox.process import clean_env
from grader.sandbox.users import Lease
from grader.sandbox.watch import Watch

IMAGE = "training-loop-grader:latest"  # unless GRADER_DOCKER_IMAGE names another
# The image's contract (see the Dockerfile): its interpreter and its site-packages.
PYTHON = "/opt/venv/bin/python"
SITE = "/opt/venv/site-packages"
PATH = "/opt/venv/bin:/usr/local/bin:/usr/bin:/bin"
INSIDE = Path("/sandbox")
JOBS = Path("/jobs")  # the warm worker's pool folder
LABEL = "training-loop-grader"
# /tmp is RAM (it counts against the memory limit too), sized by the job's scratch_mb; a
# warm container's is sized once, by the default
# A warm container hosts the fork server (torch imported) and one job at a time, which
# has its own rlimits; these are the container's own ceilings.
WARM_MEMORY_MB = int(os.environ.get("GRADER_DOCKER_WARM_MEMORY_MB", "8192"))
WARM_PIDS = 256
# The container's IPC namespace is its own; in it, no System V object or POSIX message
# queue can be made (seccomp keeps a job from making a namespace of its own, as it does
# under bwrap): see ``harness.limits.NO_IPC``.
SYSCTLS = {name.replace("/", "."): value for name, value in NO_IPC.items()}


def container_user() -> str:
    """nobody (65534) when the grader is root; otherwise the grader's own uid, unprivileged
    all the same, so that the grader can read back and remove what the container wrote."""
    if os.geteuid() == 0:
        return "65534:65534"
    return f"{os.geteuid()}:{os.getegid()}"


def open_job(work: Path) -> None:
    """Let the container's user (not ours) read a job's folder and write its home/, out/
    and log/ (the grader's files, such as the inputs, are private to us otherwise). Every
    folder and file is changed through its own descriptor, opened without following a
    link, so nothing outside the folder is ever changed."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    writable = {"home", "out", "log"}
    stack = [(os.open(work, flags | os.O_DIRECTORY), 0o755)]
    top = True
    while stack:
        fd, mode = stack.pop()
        try:
            os.fchmod(fd, mode)
            with os.scandir(fd) as entries:
                for entry in entries:
                    try:
                        child = os.open(entry.name, flags, dir_fd=fd)
                    except OSError:  # a link: left alone
                        continue
                    if stat.S_ISDIR(os.fstat(child).st_mode):
                        stack.append((child, 0o777 if top and entry.name in writable
                                      else 0o755))
                    else:
                        try:
                            os.fchmod(child, 0o644)
                        finally:
                            os.close(child)
        finally:
            os.close(fd)
        top = False


def _cpus(threads: int) -> float:
    return float(min(max(1, threads), os.cpu_count() or 1))


class DockerBackend:
    name = "docker"
    hides_files = True
    isolates_network = True
    supports_gpu = True
    has_own_python = True  # the image's interpreter and torch
    supports_warm = True
    is_warm_pool = False
    warm_scratch = ("/tmp", "/dev/shm")  # a warm container's own (the root is read-only)

    def __init__(self, image: str | None = None) -> None:
        self.image = image or os.environ.get("GRADER_DOCKER_IMAGE") or IMAGE
        self.isolation = (f"docker: a container of {self.image} as uid "
                          f"{container_user().split(':')[0]}: no network, read-only root, no "
                          "capabilities, cgroup limits")
        self._warm: dict[Path, str] = {}  # pool folder -> its container's name

    # -- availability -------------------------------------------------------------------

    def _client(self, timeout: float = 30) -> Any:
        try:
            import docker  # noqa: PLC0415 - only when this backend is used
        except ImportError:
            raise SandboxError("the docker Python package is not installed "
                               "(pip install 'training-loop-grader[docker]')") from None
        try:
            client = docker.from_env(timeout=int(timeout))
            client.ping()
        except Exception as e:  # noqa: BLE001 - DockerException or a requests error
            reason = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
            raise SandboxError(f"the Docker engine is not reachable ({reason}); start it "
                               "(dockerd, or Docker Desktop) or choose another sandbox") from None
        return client

    def check_available(self) -> None:
        client = self._client()  # first: it says when the package is missing
        import docker.errors  # noqa: PLC0415

        try:
            client.images.get(self.image)
        except docker.errors.ImageNotFound:
            raise SandboxError(
                f"the Docker image {self.image} is missing: build it in the grader's project "
                f"folder with `docker build -t {self.image} .` (or set GRADER_DOCKER_IMAGE "
                "to an image built from that Dockerfile)") from None
        except docker.errors.APIError as e:
            raise SandboxError(f"Docker cannot inspect the image {self.image}: {e}") from None
        finally:
            client.close()

    def site_paths(self) -> list[str]:
        """Where the harness finds torch inside the container (not the host's folders)."""
        return [SITE]

    # -- one container per job ----------------------------------------------------------

    def config(self, job: SandboxJob) -> dict[str, Any]:
        """The container of ``job``, as ``docker.containers.create`` takes it."""
        from docker.types import DeviceRequest, LogConfig, Mount, Ulimit  # noqa: PLC0415

        limits = limits_of(job)
        env = clean_env(job)
        env.update(HOME=str(INSIDE / "home"), MPLCONFIGDIR=str(INSIDE / "home"), TMPDIR="/tmp",
                   PATH=PATH)
        if job.gpu:
            env.pop("CUDA_VISIBLE_DEVICES", None)  # every GPU passed in is the container's
        work = job.workdir
        fsize = job.max_file_mb * 1024 * 1024
        return dict(
            image=self.image,
            command=[PYTHON, "-I", "-S", "-B", str(INSIDE / "lib" / "harness" / "main.py"),
                     str(INSIDE)],
            user=container_user(), working_dir=str(INSIDE / "home"), environment=env,
            hostname="sandbox", labels={LABEL: "job"}, init=True,
            network_mode="none", read_only=True, cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            mem_limit=f"{job.memory_mb}m", memswap_limit=f"{job.memory_mb}m",
            nano_cpus=int(_cpus(job.threads) * 1e9), pids_limit=job.max_processes,
            tmpfs={"/tmp": f"rw,nosuid,nodev,size={job.scratch_mb}m,mode=1777"},
            sysctls=SYSCTLS,
            ulimits=[Ulimit(name="fsize", soft=fsize, hard=fsize),
                     Ulimit(name="nofile", soft=job.open_files, hard=job.open_files),
                     Ulimit(name="core", soft=0, hard=0),
                     Ulimit(name="cpu", soft=limits["cpu_s"], hard=limits["cpu_s"] + 5)],
            mounts=[Mount(str(INSIDE), str(work), type="bind", read_only=True),
                    Mount(str(INSIDE / "home"), str(work / "home"), type="bind"),
                    Mount(str(INSIDE / "out"), str(work / "out"), type="bind")],
            # output is streamed through attach and capped there; nothing goes to disk
            log_config=LogConfig(type="none"),
            device_requests=[DeviceRequest(count=-1, capabilities=[["gpu"]])] if job.gpu
            else None,
        )

    def run(self, job: SandboxJob) -> SandboxOutcome:
        refuse_if_switched_off("a docker sandbox")
        import docker.errors  # noqa: PLC0415
        import requests  # noqa: PLC0415 - docker's HTTP client: its timeouts

        # the client's socket timeout also bounds the silent stretches of the output stream
        client = self._client(timeout=job.wall_time_s + 60)
        open_job(job.workdir)
        try:
            container = client.containers.create(**self.config(job))
        except docker.errors.APIError as e:
            client.close()
            raise SandboxError(f"Docker could not create the container: {e.explanation or e}"
                               ) from None
        out: list[bytes] = []
        err: list[bytes] = []
        truncated = [False]
        try:
            stream = container.attach(stdout=True, stderr=True, stream=True, demux=True)
            reader = threading.Thread(target=_drain, daemon=True,
                                      args=(stream, job.max_output_bytes, out, err, truncated))
            reader.start()
            started = time.monotonic()
            try:
                container.start()
            except docker.errors.APIError as e:
                raise SandboxError(_start_error(e, job)) from None
            job.started()
            # home/ and out/ are on the host's disk: how much the job writes there, in all,
            # and the files its processes keep open after deleting them, are watched from
            # the container's init down (the pids limit holds the processes themselves)
            _quietly(container.reload)
            init_pid = int(container.attrs.get("State", {}).get("Pid") or 0) or None
            watch = Watch([job.workdir], lambda: _quietly(container.kill), job, root=init_pid,
                          base_tasks=1, memory=False)  # the cgroup holds the memory
            timed_out = False
            try:
                code = int(container.wait(timeout=job.wall_time_s)["StatusCode"])
            except requests.exceptions.RequestException:  # the wall time ran out
                timed_out = True
                _quietly(container.kill)
                code = int(container.wait(timeout=60)["StatusCode"])
            duration = time.monotonic() - started
            stopped = watch.close()
            reader.join(timeout=5)
            _quietly(stream.close)
            container.reload()
            oom = bool(container.attrs.get("State", {}).get("OOMKilled"))
        finally:
            _quietly(lambda: container.remove(force=True))
            client.close()
        # docker-init (the container's pid 1) exits with 128 + n when its child died of signal n
        sig = code - 128 if 128 < code < 128 + 65 else None
        if timed_out:
            sig = signal.SIGKILL.value
        stderr = b"".join(err).decode("utf-8", "replace")
        return SandboxOutcome(
            exit_code=code, timed_out=timed_out, signal=sig, duration_s=duration,
            stdout=b"".join(out).decode("utf-8", "replace"), stderr=stderr,
            output_truncated=truncated[0],
            memory_exceeded=oom or "MemoryError" in stderr or "DefaultCPUAllocator" in stderr,
            stopped=stopped)

    # -- warm workers (warm.py) ---------------------------------------------------------

    def zygote_command(self, pool: Path) -> list[str]:
        """The warm worker for a pool folder: the fork server in a long-lived container,
        its control lines over ``docker run -i``'s stdin and stdout. The pool is writable at
        /jobs, its harness copy read-only; /tmp and /dev/shm are the worker's own and are
        wiped between jobs. Each job's limits are rlimits set in the child that runs it."""
        cli = shutil.which("docker")
        if cli is None:
            raise SandboxError("warm docker workers need the docker command-line client")
        os.chmod(pool, 0o755)
        name = f"grader-warm-{os.urandom(6).hex()}"
        self._warm[pool] = name
        cmd = [cli]
        if os.environ.get("DOCKER_HOST"):  # warm.py starts the client with a bare environment
            cmd += ["-H", os.environ["DOCKER_HOST"]]
        memory = f"{WARM_MEMORY_MB}m"
        cmd += ["run", "-i", "--rm", "--name", name, "--label", f"{LABEL}=warm",
                "--log-driver", "none", "--network", "none", "--read-only",
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                "--user", container_user(), "--hostname", "sandbox",
                "--memory", memory, "--memory-swap", memory, "--pids-limit", str(WARM_PIDS),
                "--cpus", str(_cpus(1)), "--ulimit", "core=0",
                *[arg for k, v in SYSCTLS.items() for arg in ("--sysctl", f"{k}={v}")],
                "--tmpfs", f"/tmp:rw,nosuid,nodev,size={Limits().scratch_mb}m,mode=1777",
                "--mount", f"type=bind,src={pool},dst={JOBS}",
                "--mount", f"type=bind,src={pool / 'lib'},dst={JOBS / 'lib'},readonly",
                "--mount", f"type=bind,src={pool / 'zygote.json'},dst={JOBS / 'zygote.json'},"
                           "readonly",
                "--workdir", str(JOBS),
                "--env", f"PATH={PATH}", "--env", "LANG=C.UTF-8",
                "--env", "OMP_NUM_THREADS=1", "--env", "MKL_NUM_THREADS=1",
                self.image, PYTHON, "-I", "-S", "-B", str(JOBS / "lib" / "harness" / "zygote.py"),
                str(JOBS)]
        return cmd

    def zygote_view(self, pool: Path) -> Path:
        return JOBS

    def can_read(self, folder: Path) -> bool:
        return False  # only the job's folder is mounted

    def job_user(self) -> Lease | None:
        return None  # the container's user

    def open_job(self, work: Path, lease: Lease | None) -> None:
        """A job moved into a warm worker's pool: see ``open_job``."""
        open_job(work)

    def warm_isolation(self, lease: Lease | None) -> str | None:
        return None

    def zygote_root(self, pool: Path, client_pid: int) -> int:
        """The process the worker's jobs run under, as this machine sees it: the container's
        init (the ``docker run`` client's children are not the container's)."""
        name = self._warm.get(pool)
        if name is None:
            return client_pid
        try:
            client = self._client()
        except SandboxError:
            return client_pid
        try:
            return int(client.containers.get(name).attrs["State"]["Pid"]) or client_pid
        except Exception:  # noqa: BLE001 - not up: watch the client, as for the others
            return client_pid
        finally:
            client.close()

    def zygote_stop(self, pool: Path) -> None:
        """Remove the worker's container: killing its ``docker run`` client does not."""
        name = self._warm.pop(pool, None)
        if name is None:
            return
        try:
            client = self._client()
        except SandboxError:
            return
        try:
            client.containers.get(name).remove(force=True)
        except Exception:  # noqa: BLE001, S110 - already gone (--rm)
            pass
        finally:
            client.close()


def _start_error(e: Any, job: SandboxJob) -> str:
    why = str(getattr(e, "explanation", None) or e)
    if job.gpu and ("gpu" in why.lower() or "device" in why.lower() or "nvidia" in why.lower()):
        return (f"--gpu: Docker could not pass a GPU into the container ({why}); it needs an "
                "NVIDIA GPU, its driver and the NVIDIA Container Toolkit on this machine")
    return f"Docker could not start the container: {why}"


def _drain(stream: Iterator[tuple[bytes | None, bytes | None]], limit: int, out: list[bytes],
           err: list[bytes], truncated: list[bool]) -> None:
    """Keep the first ``limit`` bytes of stdout and of stderr; read and drop the rest."""
    kept = {id(out): 0, id(err): 0}
    try:
        for chunks in stream:
            for chunk, sink in zip(chunks, (out, err), strict=True):
                if not chunk:
                    continue
                room = limit - kept[id(sink)]
                if room > 0:
                    sink.append(chunk[:room])
                    kept[id(sink)] += len(sink[-1])
                if len(chunk) > max(room, 0):
                    truncated[0] = True
    except Exception:  # noqa: BLE001, S110 - the stream ends when the container is killed
        pass


def _quietly(fn: Any) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001, S110 - cleaning up what may already be gone
        pass
