"""The docker sandbox, cold (a container per submission) and warm (a fork server in a
long-lived container): it grades like the others and holds what it promises.

Needs a running engine and the grading image (`docker build -t training-loop-grader .`;
CI builds both in `.ci/docker`); skipped at collection without them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.course.lessons import get_lesson
from grader.grading.engine import grade_file
from tests.conftest import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow]

REF_PATH = ROOT / "reference" / "1.2" / "solution.py"
REF = REF_PATH.read_text()
LESSON = get_lesson("1.2", ROOT)


@pytest.fixture(scope="module")
def warm() -> Iterator[Any]:
    """One warm docker worker of our own: every job runs in the same container."""
    from grader.sandbox.docker import DockerBackend
    from grader.sandbox.warm import WarmBackend

    backend = WarmBackend(DockerBackend(), workers=1)
    yield backend
    backend.close()


@pytest.fixture(params=["cold", "warm"])
def sandbox(request: pytest.FixtureRequest, warm: Any) -> Any:
    return "docker" if request.param == "cold" else warm


def _grade(tmp_path: Path, source: str, sandbox: Any, seed: int = 5, **kw: Any) -> Any:
    p = tmp_path / "linear_regression.py"
    p.write_text(source)
    return grade_file(LESSON, p, seed=seed, sandbox=sandbox, **kw)


def _containers() -> list[str]:
    """The job containers that still exist (each should be removed when its job ends)."""
    import docker

    client = docker.from_env()
    try:
        found = client.containers.list(all=True, filters={"label": "training-loop-grader=job"})
        return [c.name for c in found]
    finally:
        client.close()


def test_reference_full_marks_and_stub_zero(tmp_path, sandbox):
    r = _grade(tmp_path, REF, sandbox)
    assert r.score == LESSON.spec.max_score, r.output
    assert r.sandbox in ("docker", "docker+warm")
    assert not any("cannot hide the reference" in n for n in r.notes)
    assert grade_file(LESSON, LESSON.stub_path, seed=5, sandbox=sandbox).score == 0


PROBE = '''
import os, socket
def _broken():
    """What the sandbox should forbid but allows (printed, so a failure shows it)."""
    bad = []
    if os.path.exists({ref!r}) or os.path.exists({root!r}):
        bad.append("the reference or the project is visible")
    if [name for _, name in socket.if_nameindex()] != ["lo"]:
        bad.append("a network interface besides lo")
    with open("/proc/self/mounts") as f:
        mounts = {{line.split()[1]: line.split()[3] for line in f}}
    if not mounts["/"].startswith("ro"):
        bad.append("the root is writable")
    if "/sandbox" in mounts and not mounts["/sandbox"].startswith("ro"):
        bad.append("the work folder is writable")
    if os.getuid() != {uid}:
        bad.append(f"uid {{os.getuid()}}")
    try:
        open("/opt/venv/site-packages/grader/__init__.py").close()
        bad.append("the grader's package (and its held-out data) is readable")
    except OSError:
        pass
    for path in ("/opt/venv/x", "/etc/x", "/usr/x"):
        try:
            open(path, "w").close()
            bad.append(f"wrote {{path}}")
        except OSError:
            pass
    open(os.path.join(os.environ["HOME"], "scratch.txt"), "w").close()  # home/ is writable
    open("/tmp/scratch.txt", "w").close()
    print("BROKEN:", bad)
    return bad

def predict(X, w, b):
    return X @ w + b + (1.0 if _broken() else 0.0)
'''


def test_no_network_read_only_root_unprivileged_reference_hidden(tmp_path, sandbox):
    from grader.sandbox.docker import container_user

    uid = int(container_user().split(":")[0])
    src = REF + PROBE.format(ref=str(REF_PATH), root=str(ROOT), uid=uid)
    r = _grade(tmp_path, src, sandbox)
    assert "BROKEN: []" in r.output, r.output
    assert r.score == r.max_score, [c.message for c in r.checks if c.status != "passed"]


MEMORY_HOG = REF + '''
def predict(X, w, b):
    hog = torch.ones(3 * 1024**3, dtype=torch.uint8)   # 3 GB, over the lesson's 2048 MB
    return X @ w + b + hog[0]
'''


def test_memory_limit_holds(tmp_path, sandbox):
    """Killed by the cgroup (cold) or refused by the rlimit (warm): either way the checks
    of predict fail saying so, and the other checks still run."""
    r = _grade(tmp_path, MEMORY_HOG, sandbox)
    failed = [c for c in r.checks if c.status != "passed"]
    assert failed and len(failed) < len(r.checks)
    assert all("memory" in c.message.lower() for c in failed), [c.message for c in failed]


FORK_BOMB = REF + '''
import os, time
forked = 0
for _ in range(300):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    forked += 1
print("FORKED", forked)

def predict(X, w, b):
    return X @ w + b + (1.0 if forked >= {limit} else 0.0)
'''


def test_process_limit_holds_and_nothing_is_left_behind(tmp_path, sandbox):
    limit = LESSON.spec.limits.max_processes
    r = _grade(tmp_path, FORK_BOMB.format(limit=limit), sandbox)
    assert "FORKED" in r.output, r.output
    assert r.score == r.max_score, r.output
    assert _containers() == []


def test_wall_time_kills_and_removes_the_container(tmp_path, sandbox):
    r = _grade(tmp_path, "while True:\n    pass\n", sandbox, time_limit_s=4)
    assert r.score == 0 and r.duration_s < 60
    assert all(c.status == "timeout" for c in r.checks), [c.status for c in r.checks]
    assert _containers() == []


def test_files_written_to_the_host_are_watched(tmp_path, sandbox):
    many = REF + '''
import os
for i in range(20_000):
    open(os.path.join(os.environ["HOME"], f"f{i}"), "w").close()
'''
    r = _grade(tmp_path, many, sandbox)
    assert r.score == 0
    assert any("files" in c.message for c in r.checks), [c.message for c in r.checks]


def test_output_is_capped(tmp_path, sandbox):
    r = _grade(tmp_path, REF + "\nprint('x' * 2_000_000)\n", sandbox)
    assert r.score == r.max_score
    assert any("truncated" in n for n in r.notes), r.notes


def test_warm_scratch_does_not_pass_to_the_next_submission(tmp_path, warm):
    plant = REF + '''
import os
open("/tmp/planted", "w").write("x")
open("/dev/shm/planted", "w").write("x")
os.makedirs("/tmp/locked/inner")
open("/tmp/locked/inner/planted", "w").write("x")
os.chmod("/tmp/locked", 0)   # a folder its owner cannot list: rmtree alone leaves it
'''
    assert _grade(tmp_path, plant, warm).score == LESSON.spec.max_score
    look = REF + '''
import os
_seen = os.listdir("/tmp") + os.listdir("/dev/shm")
print("SEEN", _seen)
def predict(X, w, b):
    return X @ w + b + (1.0 if _seen else 0.0)
'''
    r = _grade(tmp_path, look, warm)
    assert r.score == r.max_score, f"a file from the previous submission survived: {r.output}"


def _grade_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("grade")
    cmd = [exe] if exe else [sys.executable, "-m", "grader"]
    p = tmp_path / "linear_regression.py"
    p.write_text(REF)
    return subprocess.run(cmd + ["1.2", str(p), "--sandbox", "docker", "--seed", "2", *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_cli_grades_in_docker(tmp_path):
    r = _grade_cli(tmp_path, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert '"sandbox": "docker' in r.stdout and '"score": 20' in r.stdout  # docker or docker+warm


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="this machine has a GPU")
def test_gpu_without_a_gpu_fails_clearly(tmp_path):
    r = _grade_cli(tmp_path, "--gpu")
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert "--gpu" in r.stderr and "GPU" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.gpu
def test_gpu_is_passed_in(tmp_path):
    src = REF + '''
import os
_gpu = any(name.startswith("nvidia") for name in os.listdir("/dev"))
def predict(X, w, b):
    return X @ w + b + (0.0 if _gpu else 1.0)
'''
    p = tmp_path / "linear_regression.py"
    p.write_text(src)
    r = grade_file(LESSON, p, seed=3, sandbox="docker", gpu=True)
    assert r.score == r.max_score, r.output
