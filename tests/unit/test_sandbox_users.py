"""The process sandbox's users and launcher (grader/sandbox/users.py, grader/harness/launch.py):
student code is never root, and nothing it started or left outlives its job.

Most of these need root (the grader as Gradescope runs it); they are skipped otherwise.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from grader.errors import SandboxError
from grader.harness import launch
from grader.sandbox import users
from grader.sandbox.users import LAUNCHER, end_job, lease_user, open_to, others_can_read

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (as Gradescope runs it)")
PY = [sys.executable, "-I", "-S", "-B"]


def _python_for_others() -> list[str]:
    """An interpreter a sandbox user can run without a mount namespace (this one may live
    under /root), or a skip."""
    from grader.sandbox.process import closed_above

    for exe in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        if os.path.exists(exe) and closed_above(Path(exe)) is None \
                and closed_above(Path(os.path.realpath(exe))) is None:
            return [exe, "-I", "-S", "-B"]
    pytest.skip("no Python here that other users can run")


def _launch(config: dict, *command: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*PY, str(LAUNCHER), json.dumps(config), "--", *command],
                          capture_output=True, text=True, timeout=timeout, cwd="/",
                          env={"PATH": "/usr/bin:/bin"})


def _shell(script: str) -> list[str]:
    return ["/bin/sh", "-c", script]


@root_only
def test_leases_are_distinct_unused_ids_and_come_back() -> None:
    leases = [lease_user() for _ in range(8)]
    try:
        ids = [lease.uid for lease in leases]
        assert len(set(ids)) == 8
        start, end = users.uid_range()
        assert all(start <= uid < end and uid != 0 for uid in ids)
        assert all(users._unused(uid) for uid in ids)  # no passwd or group entry
    finally:
        for lease in leases:
            lease.release()
    again = lease_user()  # a released id can be leased again
    again.release()


@root_only
def test_a_user_left_clean_by_its_last_job_is_not_killed_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock file says whether the user's last job ended with everything of it killed
    and swept: only then does the next job skip the kill before it starts; a job that
    never got that far (a crash) leaves the next one to kill first."""
    uid = 61000 + os.getpid() % 180
    monkeypatch.setenv("GRADER_SANDBOX_UIDS", f"{uid}-{uid}")
    first = lease_user()
    end_job(first)  # killed and swept: clean
    first.release()
    second = lease_user()
    assert second.uid == uid and second.clean
    subprocess.Popen([*_python_for_others(), "-c", "import time; time.sleep(60)"],
                     user=uid, group=uid, extra_groups=[], start_new_session=True, cwd="/",
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    second.release()  # as a grader that died would: no end_job
    third = lease_user()
    try:
        assert not third.clean  # so its job kills what the last one left, first
        assert users.user_processes(uid)
        config = {"uid": uid, "gid": uid, "stay_root": False, "namespaces": [],
                  "clean": third.clean}
        assert _launch(config, "/bin/true").returncode == 0
        assert not users.user_processes(uid)
    finally:
        end_job(third)
        third.release()


def test_uid_range_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_SANDBOX_UIDS", "70000-70009")
    assert users.uid_range() == (70000, 70010)
    for bad in ("0-10", "abc", "5000-4000"):
        monkeypatch.setenv("GRADER_SANDBOX_UIDS", bad)
        with pytest.raises(SandboxError, match="GRADER_SANDBOX_UIDS"):
            users.uid_range()


@root_only
def test_the_launcher_refuses_to_run_anything_as_root() -> None:
    for config in ({"uid": 0, "gid": 0}, {"uid": None, "gid": None}):
        proc = _launch(config, "/bin/true")
        assert proc.returncode == 126, proc
        assert "refusing to run student code as root" in proc.stderr


@root_only
@pytest.mark.parametrize("namespaces", [[], ["pid", "mount", "ipc", "net", "uts"]])
def test_the_command_runs_unprivileged_and_its_daemons_die_with_it(namespaces: list[str]
                                                                    ) -> None:
    if namespaces and launch.NAMESPACES and not _namespaces_work():
        pytest.skip("no namespaces here")
    lease = lease_user()
    try:
        script = ("grep -E '^(Uid|Gid|Groups|NoNewPrivs|CapEff):' /proc/self/status; "
                  "ls -l /proc/self/fd | grep -o '[0-9]* -> .*' | sed 's/^/Fd/;s/ ->/:/'; "
                  "setsid sh -c 'sleep 60' </dev/null >/dev/null 2>&1 & "
                  "(setsid sh -c 'sleep 60' </dev/null >/dev/null 2>&1 &) ; echo started")
        read_end, write_end = os.pipe()  # the launcher's report: never the command's
        config = {"uid": lease.uid, "gid": lease.gid, "namespaces": namespaces,
                  "report_fd": write_end}
        proc = subprocess.run([*PY, str(LAUNCHER), json.dumps(config), "--", *_shell(script)],
                              capture_output=True, text=True, timeout=60, cwd="/",
                              env={"PATH": "/usr/bin:/bin"}, pass_fds=(write_end,))
        os.close(write_end)
        with os.fdopen(read_end) as f:
            report = json.loads(f.read().splitlines()[-1])
        assert report["uid"] == lease.uid and report["namespaces"] == namespaces
        assert report["cleared"] and report["status"] == 0
        assert proc.returncode == 0, proc.stderr
        fields = dict(line.split(":", 1) for line in proc.stdout.splitlines() if ":" in line)
        assert fields["Uid"].split() == [str(lease.uid)] * 4
        assert fields["Gid"].split() == [str(lease.gid)] * 4
        assert fields["Groups"].strip() == ""
        assert fields["NoNewPrivs"].strip() == "1"
        assert int(fields["CapEff"], 16) == 0
        fds = {k[2:]: v.strip() for k, v in fields.items() if k.startswith("Fd")}
        assert {n: t for n, t in fds.items() if int(n) > 2 and "pipe" in t} == {}, fds
        assert set(fds) <= {"0", "1", "2", "3"}  # stdio and ls's own look at the folder
        assert "started" in proc.stdout
        assert launch.user_processes(lease.uid) == []  # the setsid daemons are gone
    finally:
        end_job(lease)
        lease.release()


def _namespaces_work() -> bool:
    found = launch.probe(61183, 61183, [list(launch.NAMESPACES)])
    return bool(found["namespaces"])


@root_only
def test_kill_user_ends_a_process_line_that_keeps_changing_its_id() -> None:
    """A "hydra" forks, exits and calls setsid every few ms: a listing of /proc never sees
    where it is now (``user_processes`` misses it), but one ``kill(-1)`` pass ends it."""
    lease = lease_user()
    beat = Path(tempfile.mkdtemp(prefix="hydra-")) / "beat"
    beat.parent.chmod(0o777)
    hydra = ("import os, sys, time\nend = time.monotonic() + 60\n"
             "while time.monotonic() < end:\n    time.sleep(0.002)\n"
             "    if os.fork():\n        os._exit(0)\n    os.setsid()\n"
             "    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)\n"
             "    os.write(fd, b'x')\n    os.close(fd)\n")
    try:
        subprocess.Popen([*_python_for_others(), "-c", hydra, str(beat)], user=lease.uid,
                         group=lease.gid, extra_groups=[], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, cwd="/").wait()
        time.sleep(0.5)
        assert beat.stat().st_size > 10, "the hydra did not run"
        assert users.kill_user(lease)
        size = beat.stat().st_size
        time.sleep(0.3)
        assert beat.stat().st_size == size, "the hydra survived"
    finally:
        end_job(lease)
        lease.release()
        shutil.rmtree(beat.parent, ignore_errors=True)


@root_only
def test_sweep_removes_what_the_user_left_in_shared_places(tmp_path: Path) -> None:
    lease = lease_user()
    shared = Path(tempfile.mkdtemp(prefix="shared-"))  # reachable by other users
    shared.chmod(0o1777)
    mine = tmp_path / "mine"
    mine.write_text("the grader's")
    script = (f"import os, ctypes\nos.makedirs('{shared}/hostile/deep')\n"
              f"open('{shared}/hostile/deep/f', 'w').write('x')\n"
              f"open('{shared}/hostile-file', 'w').write('x')\n"
              f"os.chmod('{shared}/hostile', 0)\n"
              "libc = ctypes.CDLL(None)\n"
              "print(libc.shmget(0, 4096, 0o1000 | 0o666))\n")
    try:
        proc = subprocess.run([*_python_for_others(), "-c", script], user=lease.uid,
                              group=lease.gid, extra_groups=[], capture_output=True, text=True,
                              cwd="/")
        assert proc.returncode == 0, proc.stderr
        shm_id = int(proc.stdout.split()[-1])
        assert shm_id >= 0 and shm_id in launch._sysv_ids("shm", lease.uid)
        removed = launch.sweep_user(lease.uid, places=(str(shared),))
        assert sorted(os.listdir(shared)) == [] and mine.read_text() == "the grader's"
        assert f"System V shm {shm_id}" in removed
        assert launch._sysv_ids("shm", lease.uid) == []
    finally:
        end_job(lease)
        lease.release()
        shutil.rmtree(shared, ignore_errors=True)


@root_only
def test_open_to_gives_the_job_its_folders_and_nothing_else() -> None:
    base = Path(tempfile.mkdtemp(prefix="base-"))  # in /tmp: reachable by other users
    work = base / "run"
    (work / "lib").mkdir(parents=True)
    (work / "lib" / "main.py").write_text("x")
    (work / "lib" / "main.py").chmod(0o600)  # copied from a locked course: still readable
    for name in ("home", "out"):
        (work / name).mkdir()
    lease = lease_user()
    try:
        open_to(work, lease)
        assert (work / "home").stat().st_uid == lease.uid
        assert (work / "out").stat().st_mode & 0o777 == 0o700
        assert (work / "lib" / "main.py").stat().st_mode & 0o777 == 0o644
        assert work.stat().st_uid == 0 and base.stat().st_mode & 0o777 == 0o711
        check = ("import os, sys\nw = sys.argv[1]\nopen(w + '/lib/main.py').read()\n"
                 "open(w + '/home/f', 'w').close()\n"
                 "for bad in (w + '/f', w + '/lib/f'):\n"
                 "    try:\n        open(bad, 'w')\n        sys.exit('wrote ' + bad)\n"
                 "    except PermissionError:\n        pass\n"
                 "try:\n    os.listdir(os.path.dirname(w))\n    sys.exit('listed the base')\n"
                 "except PermissionError:\n    pass\n")
        proc = subprocess.run([*_python_for_others(), "-c", check, str(work)], user=lease.uid,
                              group=lease.gid, extra_groups=[], capture_output=True, text=True,
                              cwd="/")
        assert proc.returncode == 0, proc.stderr
    finally:
        end_job(lease)
        lease.release()
        shutil.rmtree(base, ignore_errors=True)


def test_others_can_read(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "reference"
    folder.mkdir(parents=True)
    (folder / "solution.py").write_text("x")
    (folder / "solution.py").chmod(0o644)
    for p in (tmp_path, tmp_path / "a", folder):
        p.chmod(0o755)
    chain_open = all(os.stat(p).st_mode & 0o001 for p in tmp_path.parents)
    assert others_can_read(folder) is chain_open
    (tmp_path / "a").chmod(0o700)
    assert others_can_read(folder) is False
    (tmp_path / "a").chmod(0o755)
    (folder / "solution.py").chmod(0o600)
    assert others_can_read(folder) is False


def test_drop_privileges_refuses_root() -> None:
    with pytest.raises(PermissionError, match="root"):
        launch.drop_privileges(0, 0)


@root_only
def test_the_process_backend_refuses_when_it_cannot_drop_root(monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    from grader.sandbox import process

    monkeypatch.setattr(process, "_PROBED", {})
    monkeypatch.setattr(process, "_probe", lambda lease: {"namespaces": [],
                                                          "drop": "PermissionError: no"})
    with pytest.raises(SandboxError, match="refusing to run student code as root"):
        process.ProcessBackend().check_available()


@root_only
def test_sysv_objects_are_private_to_a_job_in_its_ipc_namespace() -> None:
    if not _namespaces_work():
        pytest.skip("no namespaces here")
    lease = lease_user()
    try:
        from grader.sandbox.process import ProcessBackend

        cover, reveal = ProcessBackend()._reveal([])  # this Python may live under /root
        make = "import ctypes; print(ctypes.CDLL(None).shmget(0, 4096, 0o1000 | 0o666))"
        proc = _launch({"uid": lease.uid, "gid": lease.gid, "cover": cover, "reveal": reveal,
                        "namespaces": ["pid", "mount", "ipc"]},
                       sys.executable, "-I", "-S", "-c", make)
        assert int(proc.stdout.split()[-1]) >= 0, proc.stderr
        assert proc.returncode == 0, proc.stderr
        assert launch._sysv_ids("shm", lease.uid) == []  # it died with the job's namespace
    finally:
        end_job(lease)
        lease.release()


def test_libc_is_reachable() -> None:
    assert ctypes.CDLL(None).getpid() == os.getpid()


@root_only
def test_an_unprivileged_grader_gets_a_user_namespace_and_its_daemons_die() -> None:
    """The launcher run by a user who is not root (here a leased id standing in for one):
    the same user inside new user, PID, mount, IPC, network and UTS namespaces, no
    capabilities left after exec, and a setsid daemon ends with the command."""
    py = _python_for_others()
    lease = lease_user()
    try:
        said = subprocess.run([*py, str(LAUNCHER), "--probe-userns", json.dumps([
            list(launch.NAMESPACES)])], user=lease.uid, group=lease.gid, extra_groups=[],
            capture_output=True, text=True, cwd="/")
        if not json.loads(said.stdout or "{}").get("namespaces"):
            pytest.skip(f"no unprivileged user namespaces here: {said.stderr[-200:]}")
        script = ("grep -E '^(Uid|CapEff|NoNewPrivs):' /proc/self/status; "
                  "echo Pids: $(ls /proc | grep -c '^[0-9]'); "
                  "echo Links: $(tail -n +3 /proc/net/dev | cut -d: -f1); "
                  "(setsid sh -c 'sleep 60' </dev/null >/dev/null 2>&1 &); echo started")
        config = {"userns": True, "namespaces": list(launch.NAMESPACES)}
        proc = subprocess.run([*py, str(LAUNCHER), json.dumps(config), "--", *_shell(script)],
                              user=lease.uid, group=lease.gid, extra_groups=[],
                              capture_output=True, text=True, cwd="/", timeout=60)
        assert proc.returncode == 0, proc.stderr
        fields = dict(line.split(":", 1) for line in proc.stdout.splitlines() if ":" in line)
        assert fields["Uid"].split() == [str(lease.uid)] * 4
        assert int(fields["CapEff"], 16) == 0 and fields["NoNewPrivs"].strip() == "1"
        assert int(fields["Pids"]) <= 8  # this namespace's /proc only: init, sh, ls, grep...
        assert fields["Links"].split() in ([], ["lo"])  # no network but a loopback
        assert "started" in proc.stdout
        time.sleep(0.2)
        assert launch.user_processes(lease.uid) == []
    finally:
        end_job(lease)
        lease.release()
