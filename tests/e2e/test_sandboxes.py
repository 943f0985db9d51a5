"""Each sandbox backend grades the same way; bwrap also hides files and the network."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from grader.course.lessons import get_lesson
from grader.grading.engine import grade_file
from grader.sandbox import SandboxError, get_backend
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
def predict(X, w, b):
    seen = os.path.exists({ref!r})
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=1)
        net = True
    except OSError:
        net = False
    if seen or net or os.getuid() == 0:
        return X @ w + b + 1.0   # visibly wrong: the test asserts this does not happen
    return X @ w + b
'''


@needs_bwrap
@pytest.mark.slow
def test_bwrap_hides_the_reference_and_the_network(tmp_path):
    src = REF + PEEK.format(ref=str(ROOT / "reference" / "1.2" / "solution.py"))
    p = tmp_path / "linear_regression.py"
    p.write_text(src)
    r = grade_file(LESSON, p, seed=9, sandbox="bwrap")
    assert r.score == r.max_score, [c.message for c in r.checks if c.status != "passed"]


@pytest.mark.slow
def test_process_backend_warns_that_it_cannot_hide_the_reference(tmp_path):
    p = tmp_path / "linear_regression.py"
    p.write_text(REF)
    r = grade_file(LESSON, p, seed=8, sandbox="process")
    assert any("cannot hide the reference" in n for n in r.notes)


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
