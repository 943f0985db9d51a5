"""Each job gets an IPC namespace of its own in which no System V object can be made (so
none outlives it or escapes the memory limit), and a warm worker removes what is left."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.harness.limits import NO_IPC

ROOT = Path(__file__).resolve().parents[2]

SHMGET = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
def shmget():
    ident = libc.shmget(0, 1 << 20, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
    return ident, ctypes.get_errno()
"""


def _python(code: str, unprivileged: bool = False) -> str:
    """Run ``code`` in a fresh interpreter (one thread), as nobody if ``unprivileged`` (once
    everything is imported: the interpreter may live where nobody cannot read)."""
    drop = "from grader.harness import limits, zygote\nos.setgid(65534)\nos.setuid(65534)\n"
    done = subprocess.run([sys.executable, "-c", SHMGET + (drop if unprivileged else "") + code],
                          capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)},
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _host_settings() -> dict[str, str]:
    return {name: Path(f"/proc/sys/{name}").read_text() for name in NO_IPC}


@pytest.mark.parametrize("unprivileged", [False, True], ids=["as-is", "as-nobody"])
def test_a_job_can_make_no_system_v_object_and_the_machine_is_unchanged(unprivileged):
    """As the grader's user, and (when that is root) as an unprivileged one, which takes a
    user namespace of its own to get there."""
    if unprivileged and os.geteuid() != 0:
        pytest.skip("only root can start a process as another user")
    before = _host_settings()
    out = _python("""
from grader.harness.limits import isolate_ipc
if not isolate_ipc():
    print("unavailable")
else:
    ident, err = shmget()
    try:
        open("/proc/sys/kernel/shmmni", "w").write("4096")
        wrote = "wrote"
    except OSError:
        wrote = "refused"
    print(ident, os.strerror(err), wrote, os.getuid() == 0)
""", unprivileged)
    if out == "unavailable":
        pytest.skip("this machine lets no process make an IPC namespace")
    ident, why, wrote, root = out.rsplit(" ", 2)[0].split(" ", 1) + out.rsplit(" ", 2)[1:]
    assert (ident, why) == ("-1", "No space left on device")
    if root == "False":  # root may change its own namespace's settings (and only those)
        assert wrote == "refused"
    assert _host_settings() == before


def test_a_worker_removes_what_a_job_left_in_its_namespace():
    out = _python("""
from grader.harness import limits, zygote
if libc.unshare(limits.CLONE_NEWIPC) != 0:
    uid, gid = os.geteuid(), os.getegid()
    if libc.unshare(limits.CLONE_NEWUSER | limits.CLONE_NEWIPC) != 0:
        print("unavailable")
        raise SystemExit
    open("/proc/self/setgroups", "w").write("deny")
    open("/proc/self/uid_map", "w").write(f"{uid} {uid} 1")
    open("/proc/self/gid_map", "w").write(f"{gid} {gid} 1")
made = [shmget()[0] for _ in range(3)]
assert all(i >= 0 for i in made), made
rows = lambda: open("/proc/sysvipc/shm").read().splitlines()[1:]
assert len(rows()) == 3
zygote._sweep_ipc()
print(len(rows()))
""")
    if out == "unavailable":
        pytest.skip("this machine lets no process make an IPC namespace")
    assert out == "0"


def test_docker_containers_get_the_same_settings(tmp_path):
    pytest.importorskip("docker")
    from grader.course.spec import Limits
    from grader.sandbox.docker import DockerBackend, open_job
    from grader.sandbox.run import job_for

    job = job_for(tmp_path, Limits(), wall_time_s=30)
    sysctls = DockerBackend().config(job)["sysctls"]
    assert sysctls == {"kernel.shmmni": "0", "kernel.shmall": "0", "kernel.msgmni": "0",
                       "kernel.sem": "0 0 0 0", "fs.mqueue.queues_max": "0"}
    (tmp_path / "lib").mkdir()
    cmd = " ".join(DockerBackend().zygote_command(tmp_path))
    assert all(f"--sysctl {k}={v}" in cmd for k, v in sysctls.items())
    # and a job folder is opened to the container's user without following a link out
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.write_text("host file")
    outside.chmod(0o600)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(outside)
    open_job(tmp_path)
    assert outside.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o777
    outside.unlink()
