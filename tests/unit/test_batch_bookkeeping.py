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
