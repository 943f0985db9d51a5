"""The student release: nothing hidden leaks into it, and `grade` works inside it.

The release is built by the real CLI from a copy of the course in which every reference
file, mistake file and quiz key carries a canary line; no canary, no reference source line
and no key line may appear anywhere in the release. Inside the release (its own copy of the
grader, no reference), the stub scores zero, a correct solution full public marks, and a
known mistake loses exactly its public checks and is named.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.course.lessons import all_lessons, get_lesson
from grader.course.public import public_spec
from tests.conftest import ROOT

CANARY = "CANARY-7f3a9c-reference-must-not-ship"
pytestmark = pytest.mark.slow


def _secret_files(course: Path) -> list[Path]:
    ref = course / "reference"
    return sorted(ref.glob("*/solution.py")) + sorted(ref.glob("*/mistakes/*.py")) + \
        sorted(ref.glob("*/key.toml"))


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    course = tmp_path_factory.mktemp("course")
    for name in ("grader", "assignments", "reference", "datasets"):
        shutil.copytree(ROOT / name, course / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "constraints.txt", "course.toml"):
        shutil.copy2(ROOT / name, course / name)
    for f in _secret_files(course):
        f.write_text(f.read_text() + f"\n# {CANARY}\n")
    out = tmp_path_factory.mktemp("release") / "course-release"
    proc = subprocess.run([sys.executable, "-m", "grader", "release", "-o", str(out)],
                          env={**os.environ, "GRADER_COURSE_ROOT": str(course)},
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "release written to" in proc.stdout
    return out


def _release_texts(release: Path) -> list[tuple[Path, str]]:
    return [(p, p.read_bytes().decode("utf-8", "replace")) for p in release.rglob("*")
            if p.is_file()]


def test_no_reference_line_no_key_and_no_canary_in_the_release(release):
    # what students are meant to see: exercise texts and stubs, the grader, and the
    # teaching text of the specs (mistake messages quote lines such as `loss.backward()`)
    public = "\n".join(p.read_text(errors="replace") for les in all_lessons(ROOT)
                       for p in les.assignment_dir.glob("*") if p.is_file())
    public += "\n".join(p.read_text() for p in (ROOT / "grader").rglob("*.py"))
    public += "\n".join(f"{m.title}\n{m.message}" for les in all_lessons(ROOT)
                        for m in les.spec.mistakes)
    public += "\n".join(c.hint or "" for les in all_lessons(ROOT) for c in les.spec.checks)
    secret = {ln.strip() for f in _secret_files(ROOT) for ln in f.read_text().splitlines()
              if len(ln.strip()) >= 12 and not ln.strip().startswith("#")}
    secret = {s for s in secret if s not in public}
    assert secret, "found no reference lines to look for"
    texts = _release_texts(release)
    for path, text in texts:
        assert CANARY not in text, f"canary in {path}"
        leaked = [s for s in secret if s in text]
        assert not leaked, f"{path} holds reference lines: {leaked[:3]}"
    names = {p.relative_to(release).as_posix() for p, _ in texts}
    assert not any(n.startswith("reference/") or n.endswith("key.toml") for n in names)


def test_no_held_out_rows_in_the_release(release):
    tables = list(release.rglob("*.csv"))
    assert release / "datasets" / "digits" / "digits.csv" in tables  # shipped, train rows only
    for table in tables:
        rows = list(csv.DictReader(table.read_text().splitlines()))
        if rows and "split" in rows[0]:
            assert {r["split"] for r in rows} == {"train"}, table
    # a text's held-out split is a file of its own, left out whole
    assert (release / "datasets" / "genesis" / "train.txt").is_file()
    assert not (release / "datasets" / "genesis" / "test.txt").exists()


def test_every_lesson_has_its_exercise_and_public_checks(release):
    for les in all_lessons(ROOT):
        stem = les.spec.lesson.stem
        assert (release / "assignments" / les.id / f"{stem}.py").is_file()
        assert (release / "assignments" / les.id / f"{stem}.ipynb").is_file()
        pub = public_spec(les.spec)
        spec = json.loads((release / "public" / les.id / "spec.json").read_text())
        assert {c["name"] for c in spec["checks"]} == ({c.name for c in pub.checks}
                                                       if pub else set())


def _grade_in_release(release: Path, lesson: str, source: str, tmp_path: Path,
                      work: Path | None = None) -> dict:
    les = get_lesson(lesson, ROOT)
    work = work or tmp_path / "student"
    work.mkdir(exist_ok=True)
    (work / f"{les.spec.lesson.stem}.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "GRADER_COURSE_ROOT"}
    env["PYTHONPATH"] = str(release)
    code = ("import grader, sys; from pathlib import Path; "
            f"assert Path(grader.__file__).is_relative_to({str(release)!r}), grader.__file__; "
            "from grader.cli import main; sys.argv = ['grade'] + sys.argv[1:]; main()")
    proc = subprocess.run([sys.executable, "-c", code, lesson, "--format", "json"], cwd=work,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_grading_inside_the_release(release, tmp_path):
    les = get_lesson("1.2", ROOT)
    pub = public_spec(les.spec)
    assert pub is not None and pub.max_score < les.spec.max_score, "1.2 needs hidden checks"
    stub = _grade_in_release(release, "1.2", les.stub_path.read_text(), tmp_path)
    assert stub["score"] == 0 and stub["max_score"] == pub.max_score
    assert any("hidden check(s)" in n and "run when you submit" in n for n in stub["notes"])
    ref = _grade_in_release(release, "1.2", les.reference_source(), tmp_path)
    assert ref["score"] == ref["max_score"] == pub.max_score
    mistake = next(m for m in pub.mistakes if m.loses)
    full = next(m for m in les.spec.mistakes if m.id == mistake.id)
    r = _grade_in_release(release, "1.2", les.mistake_source(mistake.id), tmp_path)
    assert {c["name"] for c in r["checks"] if c["status"] != "passed"} == set(mistake.loses)
    assert set(mistake.loses) <= set(full.loses)
    assert mistake.id in {m["id"] for m in r["mistakes"]}


def test_a_student_who_edits_the_stub_in_place_is_graded(release, tmp_path):
    """The release's README says: work in assignments/<id>/. There the .py and its .ipynb
    twin sit side by side; the one still as shipped is told from the edited one by the
    release's untouched copy of the stub (they used to be compared with themselves: both
    "stubs", then two candidates and exit 2)."""
    les = get_lesson("1.2", ROOT)
    folder = release / "assignments" / "1.2"
    shipped = (folder / f"{les.spec.lesson.stem}.py").read_text()
    try:
        ref = _grade_in_release(release, "1.2", les.reference_source(), tmp_path, work=folder)
        assert ref["score"] == ref["max_score"]
    finally:
        (folder / f"{les.spec.lesson.stem}.py").write_text(shipped)
