"""End to end: the real `grade` command, as a separate process, on real .py and .ipynb files.

Lessons of every kind (code and quiz, datasets, devices, checkpoints, a pretrained model;
``CLI_LESSONS``): the reference as a .py and as a notebook scores full marks, the shipped
stub notebook scores zero, and the student's file is found by its lesson name in the
current folder. Plus the CLI's usage errors and exit codes. Every other lesson goes through
the same command; its notebooks are graded in ``test_every_lesson_notebooks.py`` (one
process, warm workers) and its reference and stub by `grade check-course` in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.course.lessons import all_lessons
from grader.course.notebooks import notebook_json
from tests.conftest import ROOT

LESSONS = all_lessons(ROOT)
# one lesson of each kind: a single function (1.1), a quiz (1.6), a dataset and many probes
# (2.3), devices (3.5), checkpoints and a held-out text (3.8), a pretrained model (3.9)
CLI_LESSONS = [les for les in LESSONS if les.id in {"1.1", "1.6", "2.3", "3.5", "3.8", "3.9"}]
IDS = [f"lesson {les.id}" for les in CLI_LESSONS]


def grade(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=600)


def result_of(proc: subprocess.CompletedProcess[str]) -> dict:
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", CLI_LESSONS, ids=IDS)
def test_reference_py_found_by_name_scores_full_marks(tmp_path, lesson):
    (tmp_path / f"{lesson.spec.lesson.stem}.py").write_text(lesson.reference_source())
    r = result_of(grade(lesson.id, "--format", "json", "--seed", "21", cwd=tmp_path))
    assert r["lesson"] == lesson.id and r["seed"] == 21
    assert r["score"] == r["max_score"] == lesson.spec.max_score, \
        [(c["name"], c["message"]) for c in r["checks"] if c["status"] != "passed"]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", CLI_LESSONS, ids=IDS)
def test_reference_as_notebook_with_magics_scores_full_marks(tmp_path, lesson):
    source = "# %%\n%matplotlib inline\n!pip install torch\n\n" + lesson.reference_source()
    nb = tmp_path / "my_work.ipynb"
    nb.write_text(notebook_json(source))
    r = result_of(grade(lesson.id, str(nb), "--format", "json", "--seed", "22"))
    assert r["score"] == r["max_score"], \
        [(c["name"], c["message"]) for c in r["checks"] if c["status"] != "passed"]
    assert any("skipped (IPython only)" in n and "%matplotlib" in n for n in r["notes"])


@pytest.mark.slow
@pytest.mark.parametrize("lesson", CLI_LESSONS, ids=IDS)
def test_shipped_stub_notebook_scores_zero_with_text_output(lesson):
    nb = lesson.stub_path.with_suffix(".ipynb")
    proc = grade(lesson.id, str(nb), "--seed", "23")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"Score: 0/{lesson.spec.max_score}" in proc.stdout
    assert "not implemented" in proc.stdout or "not answered" in proc.stdout


@pytest.mark.slow
def test_json_result_written_to_a_file_too(tmp_path):
    out = tmp_path / "result.json"
    les = LESSONS[0]
    proc = grade(les.id, str(les.stub_path), "--seed", "3", "-o", str(out))
    assert proc.returncode == 0
    data = json.loads(out.read_text())
    assert data["score"] == 0 and data["seed"] == 3 and data["checks"]


def test_no_submission_in_folder_is_a_usage_error(tmp_path):
    proc = grade(LESSONS[0].id, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Pass the file" in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_lesson_and_bad_file_are_usage_errors(tmp_path):
    proc = grade("9.9", "x.py")
    assert proc.returncode == 2 and "no lesson '9.9'" in proc.stderr
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    proc = grade(LESSONS[0].id, str(bad))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    proc = grade(LESSONS[0].id, str(broken))
    assert proc.returncode == 2 and "not a readable notebook" in proc.stderr


def test_list_shows_every_lesson_with_points():
    proc = grade("list")
    assert proc.returncode == 0
    for les in LESSONS:
        assert les.id in proc.stdout and str(les.spec.max_score) in proc.stdout


@pytest.mark.slow
def test_a_torch_py_beside_the_submission_never_reaches_the_grader(tmp_path):
    les = LESSONS[0]
    (tmp_path / f"{les.spec.lesson.stem}.py").write_text(les.reference_source())
    (tmp_path / "torch.py").write_text("raise SystemExit('a local torch.py was imported')\n")
    r = result_of(grade(les.id, "--format", "json", "--seed", "4", cwd=tmp_path))
    assert r["score"] == r["max_score"]


def test_usage_errors_of_one_grading_exit_2_and_never_ask_to_report(tmp_path):
    """Which file (the current folder named as such, a folder given, what is no notebook)
    and --gpu where it cannot work: the user's to fix, before any sandbox starts."""
    les = next(les for les in LESSONS if les.id == "1.2")
    proc = grade(les.id, cwd=tmp_path)
    assert proc.returncode == 2 and f"in the current folder ({tmp_path})" in proc.stderr
    sub = tmp_path / "sub"
    sub.mkdir()
    proc = grade(les.id, "./sub/", cwd=tmp_path)
    assert proc.returncode == 2 and "is not a file" not in proc.stderr
    assert "no linear_regression.py or linear_regression.ipynb in sub" in proc.stderr
    for text, why in (("[1, 2]", "its JSON is a list"),
                      ('{"hello": 1}', "its JSON object has no 'nbformat' field")):
        (sub / "linear_regression.ipynb").write_text(text)
        proc = grade(les.id, "sub", cwd=tmp_path)
        assert proc.returncode == 2 and f"is not a Jupyter notebook ({why}" in proc.stderr
    (sub / "linear_regression.ipynb").unlink()
    (tmp_path / "linear_regression.py").write_text(les.reference_source())
    proc = grade(les.id, "--gpu", "--sandbox", "bwrap", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "--gpu: the bwrap sandbox cannot pass a GPU in" in proc.stderr
    assert "report it" not in proc.stderr and "Traceback" not in proc.stderr


def test_gpu_without_a_gpu_is_a_usage_error(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    les = LESSONS[0]
    (tmp_path / f"{les.spec.lesson.stem}.py").write_text(les.reference_source())
    for choice in ("auto", "process"):
        proc = grade(les.id, "--gpu", "--sandbox", choice, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert "--gpu: no CUDA GPU is available" in proc.stderr
        assert "report it" not in proc.stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads a file whatever its mode")
def test_an_unreadable_file_found_by_name_is_a_usage_error(tmp_path):
    les = LESSONS[0]
    path = tmp_path / f"{les.spec.lesson.stem}.py"
    path.write_text(les.reference_source())
    path.chmod(0)
    proc = grade(les.id, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert f"cannot read {path.name}: Permission denied" in proc.stderr


@pytest.mark.slow
def test_cell_magics_that_run_their_code_and_help_lines_grade_like_jupyter(tmp_path):
    """%%time and %%capture run their cell's code in Jupyter, and `fit?` is help: the
    reference written that way in the shipped notebook scores full marks, and a cell
    under %%bash is still not run; a notebook without cell ids prints no nbformat warning."""
    les = next(les for les in LESSONS if les.id == "1.2")
    nb = json.loads(les.stub_path.with_suffix(".ipynb").read_text())
    source = les.reference_source().split("# ---- oracles")[0]
    helpers, _, fit = source.rpartition("\ndef fit(")
    cells = [f"%%capture out\n{helpers}", f"%%time\ndef fit({fit}\nfit?\n?fit\nfit??\n",
             "%%bash\necho not run\n"]
    nb["cells"] += [{"cell_type": "code", "metadata": {}, "execution_count": None,
                     "outputs": [], "source": c.splitlines(True)} for c in cells]
    for cell in nb["cells"]:
        cell.pop("id", None)
    path = tmp_path / "work.ipynb"
    path.write_text(json.dumps(nb))
    proc = grade(les.id, str(path), "--format", "json", "--seed", "24")
    r = result_of(proc)
    assert r["score"] == r["max_score"], \
        [(c["name"], c["message"]) for c in r["checks"] if c["status"] != "passed"]
    notes = "\n".join(r["notes"])
    assert "%%capture out (this line only: the cell's code ran)" in notes
    assert "%%time (this line only" in notes and ": fit??" in notes
    assert "cell magic %%bash (whole cell not run)" in notes
    assert "did not run" not in notes and "MissingIDFieldWarning" not in proc.stderr
