"""Gradescope as it really runs: as root, in a Docker container with Docker's default seccomp
profile (which stops bubblewrap), from the zip `grade gradescope build 1.2` makes.

In a container of the project's grading image (no network), as root: the zip is unpacked
into /autograder/source, its setup.sh and run_autograder run as Gradescope runs them
(GRADER_PYTHON points setup.sh at the image's Python, which already has torch; nothing is
downloaded), the host's bwrap binary is mounted in so that `auto` tries it first and
finds it blocked. A hostile submission then tries what worked before the process sandbox
dropped root: read the reference (a canary in it) and the submission's metadata, write
results.json, and leave a double-forked, setsid daemon that rewrites results.json after
the grader wrote it. The score must be the honest one, the canaries must appear nowhere,
results.json must be unchanged seconds after the run and no process of another user may
be left; the result must say which isolation ran. The reference then gets full marks.

Needs a running engine and the grading image (`.ci/docker` builds both); skipped without.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from grader.course.lessons import get_lesson
from grader.report.gradescope import ISOLATION_TEST
from tests.conftest import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow]

LESSON = get_lesson("1.2", ROOT)
IMAGE = "training-loop-grader:latest"

HOSTILE = '''
import glob, json, os, sys, time
import torch

def _say(what):
    print(what, flush=True)

def _attack():
    for path in sorted(glob.glob("/autograder/source/reference/*/solution.py")
                       + glob.glob("/autograder/**/solution.py", recursive=True)
                       + ["/autograder/source/reference/1.2/solution.py",
                          "/autograder/submission_metadata.json"]):
        try:
            with open(path) as f:
                _say("LEAKED " + path + "\\n" + f.read())
        except OSError as e:
            _say(f"DENIED read {path}: {type(e).__name__}")
    forged = json.dumps({"score": 20, "output": "FORGED", "tests": []})
    try:
        with open("/autograder/results/results.json", "w") as f:
            f.write(forged)
        _say("LEAKED wrote results.json")
    except OSError as e:
        _say(f"DENIED write results.json: {type(e).__name__}")
    if os.fork():
        os.wait()
        _say(f"DAEMON started (uid {os.getuid()})")
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    end = time.monotonic() + 30
    while time.monotonic() < end:  # rewrite the results once the grader has written them
        for target in ("/autograder/results/results.json", "/autograder/results"):
            try:
                if target.endswith(".json"):
                    with open(target, "w") as f:
                        f.write(forged)
                else:
                    os.chmod(target, 0o777)
            except OSError:
                pass
        time.sleep(0.1)
    os._exit(0)

_attack()

def predict(X, w, b):
    return torch.mv(X, w) + b

def mse_loss(y_pred, y):
    return ((y_pred - y) ** 2).mean()

def mse_grad(X, y, w, b):
    err = torch.mv(X, w) + b - y          # the factor 2 is missing: loses both mse_grad checks
    return torch.mv(X.t(), err) / X.shape[0], err.mean()

def gd_step(w, b, dw, db, lr):
    return w - lr * dw, b - lr * db

def fit(X, y, lr, steps):
    w, b, losses = X.new_zeros(X.shape[1]), X.new_zeros(()), []
    for _ in range(steps):
        err = torch.mv(X, w) + b - y
        losses.append(float((err * err).mean()))
        w, b = w - lr * 2 * torch.mv(X.t(), err) / X.shape[0], b - lr * 2 * err.mean()
    return w, b, losses
'''
HONEST_LOSS = {"mse_grad: dw matches autograd", "mse_grad: db matches autograd"}

# Inside the container, as root: Gradescope's order (setup once, then run_autograder per
# submission), with a look at results.json and at the processes a few seconds later.
SCRIPT = r'''
set -u
AG=/autograder
grep -E "^(Seccomp|CapEff):" /proc/self/status > $AG/status.txt
if ! bash $AG/source/setup.sh > $AG/setup.log 2>&1; then
    echo "setup failed"; tail -30 $AG/setup.log; exit 1
fi
cp $AG/source/run_autograder $AG/run_autograder
for sub in hostile reference; do
    rm -rf $AG/submission $AG/results
    mkdir -p $AG/submission $AG/results
    cp $AG/subs/$sub.py $AG/submission/linear_regression.py
    bash $AG/run_autograder > $AG/out-$sub.log 2>&1
    cp $AG/results/results.json $AG/results-$sub.json
    sha256sum < $AG/results/results.json > $AG/hash-$sub-after-run
    sleep 6
    sha256sum < $AG/results/results.json > $AG/hash-$sub-later
    ls -A $AG/results > $AG/listing-$sub
    /opt/venv/bin/python -c '
import os
left = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            status = open(f"/proc/{pid}/status").read()
        except OSError:
            continue
        uid = [line.split()[1] for line in status.splitlines() if line.startswith("Uid:")][0]
        state = [line.split()[1] for line in status.splitlines() if line.startswith("State:")][0]
        if uid != "0" and state != "Z":
            left.append(pid + " uid " + uid)
print("\n".join(left))' > $AG/left-$sub
done
'''


def _image_ok() -> str | None:
    if shutil.which("docker") is None:
        return "no docker command"
    proc = subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True)
    return None if proc.returncode == 0 else f"no image {IMAGE}"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Build the zip, lay out /autograder, run the whole flow in one root container."""
    why = _image_ok()
    if why:
        pytest.skip(why)
    tmp = tmp_path_factory.mktemp("gradescope-root")
    out = tmp / "autograder.zip"
    proc = subprocess.run([sys.executable, "-m", "grader", "gradescope", "build", "1.2", "-o",
                           str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    ag = tmp / "autograder"
    (ag / "source").mkdir(parents=True)
    ag.chmod(0o755)  # as on Gradescope: what protects the course is the grader's own locking
    with zipfile.ZipFile(out) as zf:
        zf.extractall(ag / "source")
    canary = f"REFERENCE-CANARY-{uuid.uuid4().hex}"
    solution = ag / "source" / "reference" / "1.2" / "solution.py"
    solution.write_text(solution.read_text() + f"\n# {canary}\n")
    (ag / "submission_metadata.json").write_text(json.dumps({"users": [{"email": canary}]}))
    (ag / "subs").mkdir()
    (ag / "subs" / "hostile.py").write_text(HOSTILE)
    (ag / "subs" / "reference.py").write_text(LESSON.reference_source())
    cmd = ["docker", "run", "--rm", "--network", "none", "--user", "root",
           "--label", "training-loop-grader=test",
           "-e", "GRADER_PYTHON=/opt/venv/bin/python", "-v", f"{ag}:/autograder"]
    bwrap = shutil.which("bwrap")
    if bwrap:  # so that `auto` tries bubblewrap first, and finds it blocked
        cmd += ["-v", f"{Path(bwrap).resolve()}:/usr/bin/bwrap:ro"]
    proc = subprocess.run(cmd + [IMAGE, "bash", "-c", SCRIPT], capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return ag, canary


def _read(ag: Path, name: str) -> str:
    return (ag / name).read_text(encoding="utf-8", errors="replace")


def test_the_container_is_gradescope_like(run):
    ag, _ = run
    status = _read(ag, "status.txt")
    assert "Seccomp:\t2" in status, status  # Docker's default seccomp filter is on
    assert "CapEff:\t0000000000000000" not in status  # and the grader is a real root


def test_hostile_submission_scores_honestly_and_changes_nothing(run):
    ag, canary = run
    log = _read(ag, "out-hostile.log")
    raw = _read(ag, "results-hostile.json")
    results = json.loads(raw)
    # the zip's grader ran, with the strongest sandbox that starts here: not bwrap
    assert f"grader from {Path('/autograder/source/grader')}" in log, log
    assert "sandbox process" in log and "a user of its own for this job" in log, log
    assert "no namespaces" in log, log  # Docker's seccomp refuses them: killed by user
    assert "Sandbox: process+warm: uid 61" in results["output"], results["output"]  # as grade does
    # honest score: everything but mse_grad
    points = {c.name: c.points for c in LESSON.spec.checks}
    assert results["score"] == sum(points.values()) - sum(points[n] for n in HONEST_LOSS), raw
    failed = {t["name"] for t in results["tests"] if t["status"] == "failed"}
    assert failed == HONEST_LOSS, raw
    # the attacks ran, and were refused
    assert "DENIED read /autograder/source/reference/1.2/solution.py" in raw, raw
    assert "DENIED read /autograder/submission_metadata.json" in raw, raw
    assert "DENIED write results.json" in raw and "DAEMON started" in raw, raw
    for text in (raw, log, _read(ag, "setup.log")):
        assert canary not in text and "LEAKED" not in text and "FORGED" not in text
    # nothing rewrote the results after the grader, nothing of the submission is left
    assert _read(ag, "hash-hostile-after-run") == _read(ag, "hash-hostile-later")
    assert hashlib.sha256(raw.encode()).hexdigest() in _read(ag, "hash-hostile-later")
    assert _read(ag, "listing-hostile").split() == ["results.json"]
    assert _read(ag, "left-hostile").strip() == ""
    # isolated: no warning for the instructor
    assert ISOLATION_TEST not in raw and "NOT ISOLATED" not in log


def test_reference_gets_full_marks_there(run):
    ag, canary = run
    results = json.loads(_read(ag, "results-reference.json"))
    assert results["score"] == LESSON.spec.max_score, results["output"]
    assert all(t["status"] == "passed" for t in results["tests"])
    assert canary not in json.dumps(results)
    assert _read(ag, "hash-reference-after-run") == _read(ag, "hash-reference-later")
    assert _read(ag, "left-reference").strip() == ""
