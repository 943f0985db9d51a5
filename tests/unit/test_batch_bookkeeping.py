"""``grade batch``'s bookkeeping with a fake grade function: results appended as they come,
one failure never stops the class, a second run skips who is done, and whoever the grader
failed (not their own submission) is graded again."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from grader.course.lessons import get_lesson
from grader.delivery.batch import Submission, already_graded, grade_batch
from grader.errors import SandboxError, SubmissionError
from grader.results import GradeResult
from tests.conftest import ROOT

LESSON = get_lesson("1.2", ROOT)


class FakeGrader:
    """Grades by file content: ``full``, ``zero``, ``unreadable`` (the student's fault) or
    ``crash`` (the grader's), recording every call."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.calls: list[str] = []
        self._lock = threading.Lock()
        self._seconds = seconds

    def __call__(self, lesson: Any, path: Path, *, sandbox: Any, seed: int | None) -> GradeResult:
        with self._lock:
            self.calls.append(path.parent.name)
        time.sleep(self._seconds)
        what = path.read_text()
        if what == "unreadable":
            raise SubmissionError(f"{path.name} is not a readable notebook")
        if what == "crash":
            raise SandboxError("the warm worker did not start")
        score = lesson.spec.max_score if what == "full" else 0
        return GradeResult(lesson=lesson.id, title=lesson.spec.lesson.title,
                           submission=path.name, score=score,
                           max_score=lesson.spec.max_score, seed=1, duration_s=0.0,
                           sandbox="fake", checks=[], mistakes=[], notes=[], output="")


def make_class(tmp_path: Path, files: dict[str, str]) -> list[Submission]:
    subs = []
    for student, content in files.items():
        path = tmp_path / "class" / student / "linear_regression.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        subs.append(Submission(student, path))
    return subs


def rows_of(results: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in results.read_text().splitlines()]


@pytest.fixture
def results(tmp_path: Path) -> Path:
    return tmp_path / "grades.jsonl"


def test_every_student_gets_one_line_and_failures_do_not_stop_the_class(tmp_path, results):
    subs = make_class(tmp_path, {"alice": "full", "bob": "zero", "erin": "unreadable",
                                 "frank": "crash"})
    fake = FakeGrader()
    seen = list(grade_batch(LESSON, subs, results, jobs=2, sandbox="process", grade=fake))
    assert sorted(fake.calls) == ["alice", "bob", "erin", "frank"]
    rows = {r["student"]: r for r in rows_of(results)}
    assert rows == {r["student"]: r for r in seen}
    assert rows["alice"]["score"] == LESSON.spec.max_score and rows["bob"]["score"] == 0
    assert {r["status"] for r in (rows["alice"], rows["bob"])} == {"graded"}
    assert rows["erin"]["status"] == "unreadable"
    assert "not a readable notebook" in rows["erin"]["error"]
    assert rows["frank"]["status"] == "grader_error"
    assert "the warm worker did not start" in rows["frank"]["error"]
    assert all(r["max_score"] == LESSON.spec.max_score for r in rows.values())


def test_a_second_run_grades_only_who_is_missing_or_was_failed_by_the_grader(tmp_path,
                                                                             results):
    subs = make_class(tmp_path, {"alice": "full", "erin": "unreadable", "frank": "crash"})
    list(grade_batch(LESSON, subs, results, sandbox="process", grade=FakeGrader()))
    assert already_graded(results) == {"alice", "erin"}  # frank's failure was ours
    (subs[2].path).write_text("full")  # the grader works again
    todo = [s for s in subs if s.student not in already_graded(results)]
    fake = FakeGrader()
    list(grade_batch(LESSON, todo, results, sandbox="process", grade=fake))
    assert fake.calls == ["frank"]
    assert already_graded(results) == {"alice", "erin", "frank"}
    frank = [r for r in rows_of(results) if r["student"] == "frank"]
    assert [r["status"] for r in frank] == ["grader_error", "graded"]


def test_a_line_cut_short_by_an_interruption_is_graded_again(tmp_path, results):
    subs = make_class(tmp_path, {"alice": "full", "bob": "zero"})
    list(grade_batch(LESSON, subs[:1], results, sandbox="process", grade=FakeGrader()))
    with results.open("a") as f:
        f.write('{"student": "bo')  # killed while writing bob's line
    assert already_graded(results) == {"alice"}
    list(grade_batch(LESSON, subs[1:], results, sandbox="process", grade=FakeGrader()))
    lines = results.read_text().splitlines()
    assert json.loads(lines[-1])["student"] == "bob"  # on a line of its own
    assert already_graded(results) == {"alice", "bob"}


def test_no_results_file_means_nobody_is_graded(tmp_path):
    assert already_graded(tmp_path / "missing.jsonl") == set()


def test_an_interrupted_batch_stops_after_the_gradings_under_way(tmp_path, results):
    """Ctrl-C in the middle of a class: the gradings under way finish and are kept, the
    rest never start (the next run grades them), and the batch ends at once."""
    subs = make_class(tmp_path, {f"s{i:02d}": "full" for i in range(40)})
    fake = FakeGrader(seconds=0.1)  # a grading takes a while, as a real one does

    seen = []

    def interrupt(sub: Submission, _row: dict[str, Any]) -> None:
        seen.append(sub.student)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        list(grade_batch(LESSON, subs, results, jobs=2, sandbox="process", grade=fake,
                         on_done=interrupt))
    # those handled, and at most two more per thread (one finishing, one under way)
    assert 3 <= len(fake.calls) <= 3 + 2 * 2
    assert already_graded(results) == set(fake.calls)


# ------------------------------------------------------------ one student, two submissions

def test_a_student_with_two_submissions_is_recorded_as_ambiguous_not_graded(tmp_path,
                                                                            results):
    """``carol.py`` beside ``carol/``, ``dan.py`` beside ``dan.ipynb``: each used to be
    graded twice, the CSV keeping whichever finished last. Now neither is graded: one row
    says so, naming both files, and the next run looks again (once the instructor has
    kept one, it grades it; while nothing changed, it writes no second row)."""
    from grader.delivery.batch import find_submissions

    cls = tmp_path / "class"
    make_class(tmp_path, {"alice": "full", "carol": "full"})
    (cls / "carol.py").write_text("zero")
    (cls / "dan.py").write_text("full")
    (cls / "dan.ipynb").write_text("zero")
    subs, problems = find_submissions(cls, "linear_regression")
    assert problems == []
    assert [s.student for s in subs] == ["alice", "carol", "dan"]
    by = {s.student: s for s in subs}
    assert by["carol"].ambiguous == ("carol.py", "carol/linear_regression.py")
    assert by["dan"].ambiguous == ("dan.ipynb", "dan.py")
    assert by["alice"].ambiguous == ()

    fake = FakeGrader()
    seen = list(grade_batch(LESSON, subs, results, jobs=2, sandbox="process", grade=fake))
    assert fake.calls == ["alice"]  # nobody is graded twice, nothing is guessed
    rows = rows_of(results)
    assert sorted(r["student"] for r in rows) == ["alice", "carol", "dan"]
    assert sorted(r["student"] for r in seen) == ["alice", "carol", "dan"]
    carol = next(r for r in rows if r["student"] == "carol")
    assert carol["status"] == "ambiguous" and carol["score"] == 0
    assert "carol.py" in carol["error"] and "carol/linear_regression.py" in carol["error"]
    assert already_graded(results) == {"alice"}

    todo = [s for s in subs if s.student not in already_graded(results)]
    list(grade_batch(LESSON, todo, results, sandbox="process", grade=FakeGrader()))
    assert len(rows_of(results)) == 3  # still ambiguous: no second row

    (cls / "carol.py").unlink()  # the instructor keeps one
    subs, _ = find_submissions(cls, "linear_regression")
    todo = [s for s in subs if s.student not in already_graded(results)]
    fake = FakeGrader()
    list(grade_batch(LESSON, todo, results, sandbox="process", grade=fake))
    assert fake.calls == ["carol"]
    assert already_graded(results) == {"alice", "carol"}


def test_a_folder_without_the_lesson_file_beside_a_student_file_is_no_submission(tmp_path):
    from grader.delivery.batch import find_submissions

    cls = tmp_path / "class"
    (cls / "erin").mkdir(parents=True)
    (cls / "erin" / "notes.txt").write_text("attachments")
    (cls / "erin.py").write_text("full")
    subs, problems = find_submissions(cls, "linear_regression")
    assert [(s.student, s.path.name, s.ambiguous) for s in subs] == [("erin", "erin.py", ())]
    assert problems == []


def test_pycache_and_hidden_folders_are_no_students(tmp_path):
    from grader.delivery.batch import find_submissions

    cls = tmp_path / "class"
    make_class(tmp_path, {"alice": "full"})
    for name in ("__pycache__", ".ipynb_checkpoints", ".git"):
        (cls / name).mkdir()
        (cls / name / "linear_regression.py").write_text("full")
    (cls / "__pycache__" / "alice.cpython-311.pyc").write_bytes(b"\0")
    subs, problems = find_submissions(cls, "linear_regression")
    assert [s.student for s in subs] == ["alice"] and problems == []


def test_the_summary_csv_neutralises_spreadsheet_formulas(tmp_path):
    import csv

    from grader.delivery.batch import write_summary

    rows = {name: {"student": name, "status": "graded", "score": 3, "max_score": 20,
                   "seed": 1, "mistakes": []}
            for name in ('=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "ada")}
    rows["ada"].update(status="unreadable", error="=1+1 is not a notebook")
    path = tmp_path / "grades.csv"
    write_summary(rows, path)
    got = {r["student"]: r for r in csv.DictReader(path.read_text().splitlines())}
    assert set(got) == {"'=HYPERLINK(\"http://x\",\"y\")", "'+1", "'-2", "'@SUM(A1)", "ada"}
    assert got["ada"]["error"] == "'=1+1 is not a notebook"
    assert got["'+1"]["score"] == "3" and got["'+1"]["max_score"] == "20"


# ------------------------------------------------------------ a run killed mid-write

def test_a_cut_last_line_is_dropped_so_the_report_reads_the_resumed_file(tmp_path, results):
    """A run killed while writing a row leaves half a line. The next run used to keep it,
    on a line of its own, in the middle of the file: ``grade report`` then refused the
    whole file ("line 2: not JSON"). Now the next run drops it first."""
    from grader.report.class_stats import read_rows

    subs = make_class(tmp_path, {"alice": "full", "bob": "zero"})
    list(grade_batch(LESSON, subs[:1], results, sandbox="process", grade=FakeGrader()))
    whole = results.read_text()
    with results.open("a") as f:
        f.write('{"student": "bob", "status": "gra')
    list(grade_batch(LESSON, subs[1:], results, sandbox="process", grade=FakeGrader()))
    assert results.read_text().startswith(whole)
    assert [r["student"] for r in read_rows([results])] == ["alice", "bob"]


def test_a_whole_last_row_without_its_newline_is_kept(tmp_path, results):
    from grader.delivery.batch import repair_cut_line

    row = json.dumps({"student": "alice", "status": "graded", "lesson": "1.2"})
    results.write_text(row)
    repair_cut_line(results)
    assert results.read_text() == row + "\n"
    repair_cut_line(results)  # nothing to mend
    assert results.read_text() == row + "\n"
    results.write_text('{"stu')
    repair_cut_line(results)
    assert results.read_text() == ""


# ------------------------------------------------------------ --again

def _fake_batch(monkeypatch: pytest.MonkeyPatch, fake: FakeGrader,
                stop_after: int | None = None) -> None:
    """``grade batch`` on ``fake`` (no sandbox), stopped as by Ctrl-C after
    ``stop_after`` results."""
    from grader.delivery import batch

    def grade_batch_fake(lesson: Any, todo: list[Submission], results: Path,
                         **kwargs: Any) -> Any:
        done: list[str] = []

        def on_done(sub: Submission, _row: dict[str, Any]) -> None:
            done.append(sub.student)
            if stop_after is not None and len(done) == stop_after:
                raise KeyboardInterrupt

        return grade_batch(lesson, todo, results, jobs=1, sandbox="process", grade=fake,
                           on_done=on_done)

    monkeypatch.setattr(batch, "grade_batch", grade_batch_fake)


def test_an_interrupted_again_keeps_the_previous_results_and_resumes(tmp_path,
                                                                      monkeypatch):
    """`grade batch --again` used to delete the results first: Ctrl-C left 2 rows of 6
    (and an old CSV that disagreed). The new run is written beside them and replaces them
    once complete; an interrupted one leaves them whole and resumes with the same
    command."""
    from click.testing import CliRunner

    from grader.cli import main

    make_class(tmp_path, {f"s{i}": "full" for i in range(6)})
    cls = tmp_path / "class"
    results = cls / "grades-1.2.jsonl"
    pending = cls / "grades-1.2.jsonl.again"
    _fake_batch(monkeypatch, FakeGrader())
    first = CliRunner().invoke(main, ["batch", "1.2", str(cls)])
    assert first.exit_code == 0, first.output
    before, csv_before = results.read_text(), results.with_suffix(".csv").read_text()
    assert len(before.splitlines()) == 6

    fake = FakeGrader()
    _fake_batch(monkeypatch, fake, stop_after=2)
    stopped = CliRunner().invoke(main, ["batch", "1.2", str(cls), "--again"])
    assert stopped.exit_code == 130, stopped.output
    assert results.read_text() == before  # the previous results, whole
    assert results.with_suffix(".csv").read_text() == csv_before
    assert f"{results} is unchanged" in stopped.output
    assert str(pending) in stopped.output
    assert already_graded(pending) == set(fake.calls) and len(fake.calls) >= 2

    plain = CliRunner().invoke(main, ["batch", "1.2", str(cls)])  # without --again
    assert plain.exit_code == 0 and "unfinished --again run" in plain.output
    assert results.read_text() == before and pending.exists()

    rest = FakeGrader()
    _fake_batch(monkeypatch, rest)
    resumed = CliRunner().invoke(main, ["batch", "1.2", str(cls), "--again"])
    assert resumed.exit_code == 0, resumed.output
    assert sorted(rest.calls + fake.calls) == [f"s{i}" for i in range(6)]  # each once
    assert not pending.exists()
    rows = rows_of(results)
    assert sorted(r["student"] for r in rows) == [f"s{i}" for i in range(6)]


# ------------------------------------------------------------ lanes and stop signals

def test_a_lane_ignores_ctrl_c_and_sigterm_even_while_it_starts(tmp_path):
    """Ctrl-C at a terminal signals the whole process group, lanes included: a lane used
    to die of it (a KeyboardInterrupt traceback, its grading lost as a grader error). A
    lane is started with SIGINT and SIGTERM blocked and then ignores them, so one sent
    while it is still starting is dropped too; the batch stops the lanes itself."""
    import signal
    import subprocess
    import sys

    from grader.delivery.lanes import Lanes

    ready = tmp_path / "ready"
    code = ("import os, pathlib, signal, sys, time\n"
            "pathlib.Path(sys.argv[1]).write_text(str(os.getpid()))\n"
            "time.sleep(1.0)  # starting (importing torch): the signals wait, blocked\n"
            "from grader.delivery.lanes import ignore_stop_signals\n"
            "ignore_stop_signals()\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"
            "os.kill(os.getpid(), signal.SIGTERM)\n"
            "time.sleep(0.2)\n"
            "print('alive')\n")
    lanes = Lanes(ROOT, "1.2", "process", True, None, size=1, threads=1)
    proc = lanes._starter.submit(
        subprocess.Popen, [sys.executable, "-c", code, str(ready)], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True).result()
    try:
        for _ in range(200):
            if ready.exists() and ready.read_text():
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)  # while it starts
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        lanes.close()
    assert proc.returncode == 0, err
    assert out.strip() == "alive" and "KeyboardInterrupt" not in err
