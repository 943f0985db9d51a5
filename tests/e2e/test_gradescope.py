"""End to end: `grade gradescope build` makes the zip; its run_autograder, unpacked into a
temporary folder laid out like Gradescope's /autograder, grades the reference, the stub
notebook, a known mistake and an empty submission, and writes results.json once, in
Gradescope's documented format (checked field by field with a pydantic model of it).

Gradescope's format, from https://gradescope-autograders.readthedocs.io/en/latest/specs/
("Output format"): top level score, execution_time, output, output_format, tests, and
optionally test_output_format, test_name_format, visibility, stdout_visibility,
extra_data, leaderboard; a test has score, max_score, status ("passed"/"failed"), name,
name_format, number, output, output_format, tags, visibility, extra_data.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict

from grader.course.lessons import all_lessons, get_lesson
from grader.course.spec import load_spec
from tests.conftest import ROOT

LESSON = "1.2"
Visibility = Literal["visible", "after_due_date", "after_published", "hidden"]
OutputFormat = Literal["text", "html", "simple_format", "md", "ansi"]


class GSTest(BaseModel):
    """A test case of Gradescope's results.json (every documented field; no others)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    score: int | float
    max_score: int | float
    status: Literal["passed", "failed"]
    name: str
    output: str
    output_format: OutputFormat
    visibility: Visibility
    name_format: OutputFormat | None = None
    number: str | None = None
    tags: list[str] | None = None
    extra_data: dict[str, Any] | None = None


class GSResults(BaseModel):
    """Gradescope's results.json (every documented top-level field; no others)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    score: int | float
    execution_time: int | float
    output: str
    output_format: OutputFormat
    tests: list[GSTest]
    test_output_format: OutputFormat | None = None
    test_name_format: OutputFormat | None = None
    visibility: Visibility | None = None
    stdout_visibility: Visibility | None = None
    extra_data: dict[str, Any] | None = None
    leaderboard: list[dict[str, Any]] | None = None


def grade(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], text=True,
                          capture_output=True, timeout=600, cwd=ROOT)


@pytest.fixture(scope="module")
def zip_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "autograder.zip"
    proc = grade("gradescope", "build", LESSON, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stdout
    return out


def set_visibility(spec_path: Path, check: str, visibility: str) -> None:
    """Give one check of an unpacked spec a visibility (replacing any it has)."""
    text = spec_path.read_text(encoding="utf-8")
    start = text.index(f'name = "{check}"')
    end = text.find("[[", start)
    end = len(text) if end < 0 else end
    block = re.sub(r'(?m)^visibility = .*\n', "", text[start:end])
    line_end = block.index("\n") + 1
    block = block[:line_end] + f'visibility = "{visibility}"\n' + block[line_end:]
    spec_path.write_text(text[:start] + block + text[end:], encoding="utf-8")


def layout(zip_file: Path, tmp: Path) -> Path:
    """Gradescope's folders: source/ (the unpacked zip), submission/, results/."""
    root = tmp / "autograder"
    for sub in ("source", "submission", "results"):
        (root / sub).mkdir(parents=True)
    with zipfile.ZipFile(zip_file) as zf:
        zf.extractall(root / "source")
    spec = root / "source" / "reference" / LESSON / "spec.toml"
    set_visibility(spec, "mse_loss: value", "after_published")
    set_visibility(spec, "fit: loss never increases", "hidden")
    return root


def run_autograder(root: Path, *args: str) -> tuple[dict[str, Any], str]:
    env = {k: v for k, v in os.environ.items() if k != "GRADER_COURSE_ROOT"}
    env.update(GRADESCOPE_ROOT=str(root), GRADER_PYTHON=sys.executable)
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder"), *args], env=env,
                          text=True, capture_output=True, timeout=600, cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    # the zip's grader ran, not the checkout's
    assert f"grader from {(root / 'source' / 'grader').resolve()}" in proc.stdout, proc.stdout
    # written once, by rename: nothing else is left in results/
    assert sorted(p.name for p in (root / "results").iterdir()) == ["results.json"]
    raw = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    return raw, proc.stdout


def check_format(raw: dict[str, Any], root: Path) -> GSResults:
    """Field by field: Gradescope's model, md outputs, visibility and points from the spec."""
    assert {"score", "execution_time", "output", "output_format", "tests"} <= raw.keys()
    for t in raw["tests"]:
        assert {"name", "score", "max_score", "status", "output", "output_format",
                "visibility"} <= t.keys()
    res = GSResults.model_validate(raw)
    spec = load_spec(root / "source" / "reference" / LESSON / "spec.toml")
    assert [t.name for t in res.tests] == [c.name for c in spec.checks]
    for t, c in zip(res.tests, spec.checks, strict=True):
        assert t.visibility == c.visibility
        assert t.max_score == c.points
        assert t.output_format == "md"
        assert t.status == ("passed" if t.score == t.max_score else "failed")
        assert isinstance(t.score, int) and 0 <= t.score <= t.max_score
    assert {t.visibility for t in res.tests} >= {"visible", "after_published", "hidden"}
    assert res.score == sum(t.score for t in res.tests)
    assert res.output_format == "md" and res.execution_time >= 0
    return res


def test_zip_holds_the_scripts_grader_and_one_lesson(zip_path):
    with zipfile.ZipFile(zip_path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    for script in ("setup.sh", "run_autograder"):
        assert script in infos  # at the root of the archive, not in a folder
        assert (infos[script].external_attr >> 16) & stat.S_IXUSR
    les = get_lesson(LESSON, ROOT)
    expected = {"pyproject.toml", "constraints.txt", "README.md", "grader/__init__.py",
                "grader/cli.py", "grader/harness/main.py", f"reference/{LESSON}/spec.toml",
                f"reference/{LESSON}/solution.py",
                f"assignments/{LESSON}/{les.spec.lesson.stem}.py"}
    expected |= {f"reference/{LESSON}/mistakes/{m.id}.py" for m in les.spec.mistakes}
    assert expected <= infos.keys()
    assert {n.split("/")[1] for n in infos if n.startswith(("reference/", "assignments/"))} \
        == {LESSON}
    assert not [n for n in infos if "__pycache__" in n or n.endswith(".pyc")]
    with zipfile.ZipFile(zip_path) as zf:
        setup = zf.read("setup.sh").decode()
        run = zf.read("run_autograder").decode()
        constraints = zf.read("constraints.txt").decode()
    assert "constraints.txt" in setup and "download.pytorch.org/whl/cpu" in setup
    assert "pip install" in setup and '"$SOURCE"' in setup
    assert "torch==" in constraints
    assert "GRADESCOPE_ROOT" in run and "GRADER_PYTHON" in run
    assert "gradescope run" in run


@pytest.mark.slow  # pip builds a wheel (~1.5 s), no sandbox
def test_unpacked_zip_builds_the_wheel_setup_sh_installs(zip_path, tmp_path):
    root = layout(zip_path, tmp_path)
    for script in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n", str(root / "source" / script)], check=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(tmp_path / "wheel"),
                           str(root / "source")], text=True, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert {"grader/cli.py", "grader/harness/main.py"} <= set(zf.namelist())


def test_run_needs_the_layout(tmp_path):
    proc = grade("gradescope", "run", "--root", str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and "source" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "nowhere").exists()


def test_module_zip_holds_every_lesson_of_the_module(tmp_path):
    out = tmp_path / "module1.zip"
    proc = grade("gradescope", "build", "1", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(out) as zf:
        ids = {n.split("/")[1] for n in zf.namelist() if n.startswith("reference/")}
    assert ids == {les.id for les in all_lessons(ROOT)
                   if les.spec_path.is_file() and les.spec.lesson.module == 1}


def test_build_errors_are_clear(tmp_path):
    for args, words in ((["9.9"], "no lesson '9.9'"), (["8"], "no lessons in module 8"),
                        ([LESSON, "-o", str(tmp_path / "missing" / "a.zip")],
                         "does not exist")):
        proc = grade("gradescope", "build", *args)
        assert proc.returncode == 2, proc.stderr
        assert words in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "missing").exists()


@pytest.mark.slow
def test_reference_scores_full_marks(zip_path, tmp_path):
    root = layout(zip_path, tmp_path)
    les = get_lesson(LESSON, ROOT)
    (root / "submission" / f"{les.spec.lesson.stem}.py").write_text(les.reference_source())
    raw, _ = run_autograder(root, "--seed", "11")
    res = check_format(raw, root)
    assert res.score == les.spec.max_score
    assert all(t.status == "passed" for t in res.tests)
    assert "seed 11" in res.output


@pytest.mark.slow
def test_stub_notebook_in_a_folder_scores_zero(zip_path, tmp_path):
    root = layout(zip_path, tmp_path)
    les = get_lesson(LESSON, ROOT)
    folder = root / "submission" / "my-repo"
    folder.mkdir()
    nb = les.stub_path.with_suffix(".ipynb")
    (folder / nb.name).write_bytes(nb.read_bytes())
    raw, _ = run_autograder(root, "--seed", "12")
    res = check_format(raw, root)
    assert res.score == 0 and all(t.status == "failed" for t in res.tests)
    assert any("not implemented" in t.output for t in res.tests)


@pytest.mark.slow
def test_known_mistake_loses_exactly_its_points(zip_path, tmp_path):
    root = layout(zip_path, tmp_path)
    les = get_lesson(LESSON, ROOT)
    mistake = les.spec.mistakes[0]
    (root / "submission" / f"{les.spec.lesson.stem}.py").write_text(
        les.mistake_source(mistake.id))
    raw, _ = run_autograder(root, "--seed", "13")
    res = check_format(raw, root)
    lost = {c.name: c.points for c in les.spec.checks if c.name in mistake.loses}
    assert res.score == les.spec.max_score - sum(lost.values())
    assert {t.name for t in res.tests if t.status == "failed"} == set(lost)
    assert any(mistake.title in t.output for t in res.tests if t.status == "failed")


@pytest.mark.slow  # a whole run_autograder (it imports torch: ~2.5 s), no sandbox
def test_no_file_gives_zero_and_says_what_to_name_it(zip_path, tmp_path):
    root = layout(zip_path, tmp_path)
    (root / "submission" / "my_answer.txt").write_text("hello")
    raw, _ = run_autograder(root)
    res = check_format(raw, root)
    stem = get_lesson(LESSON, ROOT).spec.lesson.stem
    assert res.score == 0 and all(t.score == 0 for t in res.tests)
    assert f"{stem}.py" in res.output and "my_answer.txt" in res.output
    assert all("Not graded" in t.output for t in res.tests)
