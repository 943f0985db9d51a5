"""Each sandbox backend grades the same way; bwrap also hides files and the network."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.course.lessons import get_lesson
from grader.grading.engine import grade_file
from grader.sandbox import SandboxError, get_backend
from grader.sandbox.base import SandboxJob
from grader.sandbox.process import ProcessBackend
from grader.sandbox.users import LOCKS
from grader.sandbox.warm import WarmBackend
from tests.conftest import ROOT

REF = (ROOT / "reference" / "1.2" / "solution.py").read_text()
LESSON = get_lesson("1.2", ROOT)


def _bwrap_works() -> bool:
    try:
        get_backend("bwrap")
        return True
    except SandboxError:
        return False


needs_bwrap = pytest.mark.skipif(not _bwrap_works(), reason="bubblewrap unavailable here")
BACKENDS = ["process", pytest.param("bwrap", marks=needs_bwrap)]


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_reference_full_marks_and_stub_zero_on_each_backend(tmp_path, backend):
    p = tmp_path / "linear_regression.py"
    p.write_text(REF)
    assert grade_file(LESSON, p, seed=8, sandbox=backend).score == LESSON.spec.max_score
    r = grade_file(LESSON, LESSON.stub_path, seed=8, sandbox=backend)
    assert r.score == 0 and r.sandbox == backend


PEEK = '''
import os, socket
def peek():
    """What this code can see and reach: the reference file, and the grader's loopback."""
    seen = os.path.exists({ref!r})
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
        reached = True
    except OSError:
        reached = False
    return seen, reached

def predict(X, w, b):
    seen, reached = peek()
    if seen or reached or os.getuid() == 0:
        return X @ w + b + 1.0   # visibly wrong: the test asserts this does not happen
    return X @ w + b
'''


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """A TCP server on this machine's loopback (the grader's own network namespace) that
    records who connects: what a submission would reach if the network were open."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    port = server.getsockname()[1]
    seen: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, addr = server.accept()
            except OSError:
                continue
            seen.append(f"{addr[0]}:{addr[1]}")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port, seen
    stop.set()
    thread.join()
    server.close()


@pytest.mark.slow
@needs_bwrap
@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_bwrap_hides_the_reference_and_the_network(tmp_path, listener, warm):
    port, connections = listener
    ref = str(ROOT / "reference" / "1.2" / "solution.py")
    source = PEEK.format(ref=ref, port=port)
    # the same code outside the sandbox sees the file and reaches the listener...
    here: dict[str, object] = {}
    exec(compile(source, "<peek>", "exec"), here)  # noqa: S102 - the test's own code
    assert here["peek"]() == (True, True)  # type: ignore[operator]
    deadline = time.monotonic() + 5
    while not connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(connections) == 1
    # ...and inside it, neither
    p = tmp_path / "linear_regression.py"
    p.write_text(REF + source)
    backend = get_backend("bwrap", warm=warm, workers=1)
    r = grade_file(LESSON, p, seed=9, sandbox=backend)
    assert r.score == r.max_score, [c.message for c in r.checks if c.status != "passed"]
    time.sleep(0.5)  # the listener's accept loop polls every 0.2 s
    assert len(connections) == 1, "the sandbox reached the grader's loopback"


@pytest.mark.slow
def test_process_backend_warns_when_it_cannot_hide_the_reference(tmp_path):
    """An unprivileged grader's process sandbox reads what the grader reads; a root grader's
    reads what any user may: this checkout's reference, unless it is closed to others."""
    from grader.sandbox.users import others_can_read

    p = tmp_path / "linear_regression.py"
    p.write_text(REF)
    r = grade_file(LESSON, p, seed=8, sandbox="process")
    assert r.isolation.startswith("process: ")
    if os.geteuid() != 0 or others_can_read(LESSON.reference_dir):
        assert r.isolation_warning and "cannot hide the reference" in r.isolation_warning
    else:
        assert r.isolation_warning is None


AS_ROOT = """
import os, json
def _look():
    bad = []
    with open("/proc/self/status") as f:
        status = dict(line.split(":", 1) for line in f if ":" in line)
    if os.getuid() == 0 or os.geteuid() == 0:
        bad.append("root")
    if status["Groups"].strip():
        bad.append("supplementary groups " + status["Groups"].strip())
    if status["NoNewPrivs"].strip() != "1":
        bad.append("new privileges possible")
    if int(status["CapEff"], 16):
        bad.append("capabilities")
    for path in {paths!r}:
        try:
            open(path).read()
            bad.append("read " + path)
        except OSError:
            pass
    try:
        open({results!r}, "w").write("forged")
        bad.append("wrote the results folder")
    except OSError:
        pass
    print("UID", os.getuid(), "BROKEN:", bad)
    return bad

def predict(X, w, b):
    return X @ w + b + (1.0 if _look() else 0.0)
"""


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the grader is not root here")
@pytest.mark.parametrize("warm", [False, True])
def test_process_backend_as_root_runs_each_job_as_a_user_of_its_own(tmp_path, warm):
    """As root (Gradescope): never root, no groups, no capabilities, no way back; a course
    and a results folder closed to other users stay closed; two jobs, two users."""
    course = Path(tempfile.mkdtemp(prefix="closed-course-"))  # 0700, as setup.sh leaves it
    results = course / "results"
    results.mkdir()
    try:
        for part in ("reference", "assignments"):
            shutil.copytree(ROOT / part / "1.2", course / part / "1.2")
        lesson = get_lesson("1.2", course)
        secret = course / "reference" / "1.2" / "solution.py"
        src = REF + AS_ROOT.format(paths=[str(secret), "/etc/shadow"],
                                   results=str(results / "results.json"))
        p = tmp_path / "linear_regression.py"
        p.write_text(src)
        backend = get_backend("process", warm=warm)
        runs = [grade_file(lesson, p, seed=8 + i, sandbox=backend) for i in range(2)]
        uids = set()
        for r in runs:
            assert "BROKEN: []" in r.output, r.output
            assert r.score == r.max_score and r.isolation_warning is None
            assert "a user of its own for this job" in r.isolation
            uid = int(r.output.split("UID", 1)[1].split()[0])
            assert r.isolation.startswith(f"process{'+warm' if warm else ''}: uid {uid}, ")
            uids.add(uid)  # the result names the user the job really ran as
        assert len(uids) == 2 and 0 not in uids
        assert list(results.iterdir()) == []
    finally:
        shutil.rmtree(course, ignore_errors=True)


LEAVES_A_FILE = """
import os as _os
_left = f"/tmp/left-by-job-{_os.getuid()}"
open(_left, "w").close()
print("UID", _os.getuid(), _left)
"""


def _lock_state(uid: int) -> str:
    """"held" while a job's lease of ``uid`` is, else what its lock file says."""
    fd = os.open(LOCKS / str(uid), os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return "held"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return os.pread(fd, 16, 0).decode()
    finally:
        os.close(fd)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the grader is not root here")
def test_a_warm_jobs_user_stays_leased_until_its_worker_has_swept_it(tmp_path):
    """A warm worker sweeps what a job's user left in the shared places after it answers:
    that user stays leased until the worker answers again (it sweeps before it reads the
    next request) or has stopped, and only then is it free, and marked clean."""
    p = tmp_path / "linear_regression.py"
    p.write_text(REF + LEAVES_A_FILE)
    backend = WarmBackend(get_backend("process"), workers=1)  # its own: closed here
    uids = []
    try:
        for i in range(2):
            r = grade_file(LESSON, p, seed=20 + i, sandbox=backend)
            assert r.score == r.max_score, r.output
            uids.append(int(r.output.split("UID", 1)[1].split()[0]))
            assert _lock_state(uids[-1]) == "held"  # swept after the answer
            if i:
                assert _lock_state(uids[0]) == "clean\n"
                assert not Path(f"/tmp/left-by-job-{uids[0]}").exists()
    finally:
        backend.close()
    assert _lock_state(uids[1]) == "clean\n"  # swept before the worker stopped
    assert not Path(f"/tmp/left-by-job-{uids[1]}").exists()


def test_auto_picks_the_strongest_available():
    """bwrap, then docker (as strong, but a container costs seconds), then process."""
    expected = "process"
    for name in ("docker", "bwrap"):
        try:
            get_backend(name)
            expected = name
        except SandboxError:
            pass
    assert get_backend("auto").name == expected


@pytest.mark.slow
def test_cli_json_output_is_the_result_model(tmp_path):
    exe = shutil.which("grade")
    cmd = [exe] if exe else [sys.executable, "-m", "grader"]
    p = tmp_path / "linear_regression.py"
    p.write_text(REF)
    out = subprocess.run(cmd + ["1.2", str(p), "--format", "json", "--seed", "4"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    data = json.loads(out)
    assert data["score"] == data["max_score"] == 20 and data["seed"] == 4
    assert {"name", "points", "max_points", "status", "message", "error", "tolerance",
            "mistake"} <= set(data["checks"][0])


FAKE_WORKER = r'''
import json, os, sys
pool, refuse = sys.argv[1], sys.argv[2]
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    if request.get("stop"):
        break
    # the first worker (or, with "always", every one) turns its job down, as a worker does
    # whose job user's processes it could not kill
    first = not os.path.exists(refuse + ".seen")
    open(refuse + ".seen", "a").close()
    with open(refuse + ".jobs", "a") as f:
        f.write(request["job"] + "\n")
    if refuse.endswith("always") or first:
        print(json.dumps({"job": request["job"], "error": "stale processes"}), flush=True)
    else:
        print(json.dumps({"job": request["job"], "exit_code": 0, "signal": None,
                          "timed_out": False, "cleared": True, "duration_s": 0.01}), flush=True)
'''


class _Refusing(ProcessBackend):
    """Workers that answer like the real one but run nothing, and turn jobs down."""

    def __init__(self, marker: Path) -> None:
        super().__init__()
        self.marker = marker

    def check_available(self) -> None:
        return None

    def zygote_command(self, pool: Path) -> list[str]:
        return [sys.executable, "-c", FAKE_WORKER, str(pool), str(self.marker)]

    def job_user(self) -> None:
        return None


def _job(folder: Path) -> SandboxJob:
    for sub in ("home", "out", "log"):
        (folder / sub).mkdir(parents=True)
    (folder / "plan.json").write_text("{}")
    return SandboxJob(workdir=folder, wall_time_s=30, memory_mb=2048, max_processes=64,
                      max_file_mb=64, max_output_bytes=1 << 16, scratch_mb=256,
                      max_files=1000, open_files=256, poll_s=0.05)


@pytest.mark.slow
@pytest.mark.parametrize("refuses", ["first", "always"])
def test_a_job_a_warm_worker_refuses_runs_on_another_or_is_the_graders_error(tmp_path, refuses):
    """A worker that turns a job down (it could not kill what the user it would run as left)
    has run none of it: that is this machine's fault, never the submission's. The worker is
    replaced and the job runs on the new one; a second refusal is the grader's error, with
    the job's folder back where it was."""
    marker = tmp_path / refuses
    backend = WarmBackend(_Refusing(marker), workers=1)
    job = _job(tmp_path / "work")
    try:
        if refuses == "first":
            outcome = backend.run(job)
            assert outcome.exit_code == 0 and outcome.signal is None and not outcome.stopped
        else:
            with pytest.raises(SandboxError, match="refused a job: stale processes"):
                backend.run(job)
        assert (job.workdir / "plan.json").read_text() == "{}"
    finally:
        backend.close()
    # one job, asked of two workers (the first refused it): never the same one twice
    assert len(Path(f"{marker}.jobs").read_text().split()) == 2
