"""The sandbox interface: backends declare what they can do as attributes (one Protocol),
limits come from the lesson's spec, and a warm worker's wipe never enters a mount."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import grader.sandbox as sandbox
from grader.course.spec import Limits
from grader.harness import zygote
from grader.sandbox.base import Backend, SandboxError, WarmHost, limits_of
from grader.sandbox.bwrap import BwrapBackend
from grader.sandbox.docker import DockerBackend
from grader.sandbox.process import ProcessBackend
from grader.sandbox.run import job_for
from grader.sandbox.warm import WarmBackend
from grader.sandbox.watch import Watch
from tests.conftest import ROOT

BACKENDS = [ProcessBackend, BwrapBackend, DockerBackend]


@pytest.mark.parametrize("cls", BACKENDS, ids=lambda c: c.name)
def test_every_backend_is_a_backend_and_a_warm_host(cls):
    backend = cls()
    assert isinstance(backend, Backend) and isinstance(backend, WarmHost)
    assert backend.supports_warm and not backend.is_warm_pool
    for flag in ("hides_files", "isolates_network", "supports_gpu", "has_own_python"):
        assert isinstance(getattr(backend, flag), bool), flag
    assert backend.hides_files == backend.isolates_network == (cls is not ProcessBackend)
    assert backend.has_own_python == (cls is DockerBackend)
    assert all(p.startswith("/") for p in backend.site_paths())


def test_a_warm_pool_is_a_backend_with_its_base_capabilities():
    pool = WarmBackend(BwrapBackend(), workers=1)
    try:
        assert isinstance(pool, Backend) and pool.name == "bwrap+warm"
        assert (pool.hides_files, pool.isolates_network, pool.supports_gpu,
                pool.supports_warm, pool.is_warm_pool) == (True, True, False, False, True)
        with pytest.raises(SandboxError, match="no warm mode"):
            WarmBackend(pool)
    finally:
        pool.close()


def test_no_backend_is_probed_for_methods():
    """Capabilities are attributes of the Protocol, never found out with getattr/hasattr."""
    probing = re.compile(r"(getattr|hasattr)\((self\.)?(base|backend)\b|callable\(getattr")
    trusted = [p for p in (ROOT / "grader").rglob("*.py") if "harness" not in p.parts]
    found = [f"{p.relative_to(ROOT)}:{i}" for p in trusted
             for i, line in enumerate(p.read_text().splitlines(), 1) if probing.search(line)]
    assert found == []


def test_start_early_starts_a_warm_worker_unless_a_gpu_is_asked(monkeypatch):
    started: list[str] = []
    monkeypatch.setattr(WarmBackend, "start", lambda self: started.append(self.name))
    early = sandbox.start_early("process")
    assert isinstance(early, WarmBackend) and started == ["process+warm"]
    early.close()
    assert sandbox.start_early("process", gpu=True).name == "process"
    assert started == ["process+warm"]


def test_a_lessons_limits_reach_the_job_the_rlimits_and_the_container(tmp_path):
    limits = Limits(memory_mb=512, max_processes=8, max_file_mb=2, max_output_kb=3,
                    scratch_mb=5, max_files=40, open_files=99, watch_poll_s=0.5)
    job = job_for(tmp_path, limits, wall_time_s=10, threads=2)
    assert limits_of(job) == {"memory_mb": 512, "max_file_mb": 2, "max_processes": 8,
                              "open_files": 99, "cpu_s": 25}
    assert (job.max_output_bytes, job.scratch_mb, job.max_files, job.poll_s) == \
        (3 * 1024, 5, 40, 0.5)
    pytest.importorskip("docker")
    config = DockerBackend().config(job)
    assert "size=5m" in config["tmpfs"]["/tmp"]
    assert {u["Name"]: u["Soft"] for u in config["ulimits"]}["nofile"] == 99


def test_the_watch_stops_at_the_lessons_file_count_and_size(tmp_path):
    job = job_for(tmp_path, Limits(max_files=10, scratch_mb=1, watch_poll_s=5.0),
                  wall_time_s=10)
    stopped: list[bool] = []
    watch = Watch([tmp_path], lambda: stopped.append(True), job, root=None)
    try:
        assert watch.check() is None
        for i in range(11):
            (tmp_path / f"f{i}").write_text("x")
        assert watch.check() == "made more than 10 files (the limit)"
        for i in range(11):
            (tmp_path / f"f{i}").unlink()
        (tmp_path / "big").write_bytes(os.urandom(2 * 2**20))
        assert watch.check() == "wrote more than 1 MB of files (the limit for all its files)"
    finally:
        watch.close()
    assert stopped == []  # check() reports; only the polling thread stops the job


def test_the_wipe_empties_what_a_job_wrote_around_a_mount_and_never_enters_it(tmp_path):
    scratch = tmp_path / "tmp"
    venv = scratch / "clone" / ".venv"  # a Python installation mounted at /tmp/clone/.venv
    (venv / "lib").mkdir(parents=True)
    (venv / "lib" / "torch.py").write_text("installed")
    (scratch / "clone" / "left.txt").write_text("written by a job beside the mount")
    locked = scratch / "locked" / "deep"
    locked.mkdir(parents=True)
    (locked / "f").write_text("x")
    os.chmod(scratch / "locked", 0o000)  # a job locks its folder so the wipe leaves it
    (scratch / "file").write_text("x")
    (scratch / "link").symlink_to(venv)
    zygote._empty(str(scratch), frozenset(), frozenset({str(scratch), str(venv)}))
    assert sorted(p.name for p in scratch.iterdir()) == ["clone"]
    assert sorted(p.name for p in (scratch / "clone").iterdir()) == [".venv"]
    assert (venv / "lib" / "torch.py").read_text() == "installed"


def test_the_mount_table_is_read_with_its_escapes(tmp_path, monkeypatch):
    table = tmp_path / "mountinfo"
    table.write_bytes(b"22 27 0:21 / /proc rw - proc proc rw\n"
                      b"285 284 254:0 /v /tmp/a\\040b/venv ro - ext4 /dev/vda rw\n")
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: real_open(
        table if path == "/proc/self/mountinfo" else path, *a, **k))
    assert zygote.mount_points() == {"/proc", "/tmp/a b/venv"}


def test_this_process_sees_its_own_mounts():
    points = zygote.mount_points()
    assert "/" in points and "/proc" in points
    assert Path("/proc").is_mount()


class _Warmable(ProcessBackend):
    """The process backend without its availability probe (which starts a process)."""

    def check_available(self) -> None:
        return None


def test_a_closed_warm_pool_refuses_work_and_the_shared_one_is_made_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing a pool (at exit, or a test that closes its own) never leaves a caller waiting
    for a worker that will not come back: it says it is closed, and ``get_backend`` makes
    the shared pool anew. No worker is started here."""
    pool = WarmBackend(_Warmable(), workers=1)
    pool.close()
    assert pool.closed
    with pytest.raises(SandboxError, match="closed"):
        pool._acquire()  # (what ``run`` asks first; the fast layer stubs ``run`` itself)
    monkeypatch.setattr(sandbox, "_WARM", {})  # (this process's shared pools stay as they are)
    monkeypatch.setitem(sandbox._BACKENDS, "warmable", f"{__name__}:_Warmable")
    shared = sandbox.get_backend("warmable", warm=True)
    assert isinstance(shared, WarmBackend)
    shared.close()
    again = sandbox.get_backend("warmable", warm=True)
    assert isinstance(again, WarmBackend) and again is not shared and not again.closed
    again.close()
