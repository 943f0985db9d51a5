"""One rule finds the file to grade (``grade``, ``grade batch``, Gradescope): the lesson's
``<stem>.py`` or ``.ipynb``; an untouched stub twin is not a candidate; ambiguity is an
error that lists the candidates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.delivery.batch import find_submissions
from grader.grading.submission import SubmissionError, find_submission, load_program


def _notebook(path: Path, *cells: str) -> Path:
    nb = {"cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": c,
                     "outputs": [], "execution_count": None} for i, c in enumerate(cells)],
          "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return path


@pytest.fixture
def stubs(tmp_path: Path) -> list[Path]:
    d = tmp_path / "stub"
    d.mkdir()
    (d / "lr.py").write_text("def f():\n    raise NotImplementedError\n")
    _notebook(d / "lr.ipynb", "def f():\n    raise NotImplementedError\n")
    return [d / "lr.py", d / "lr.ipynb"]


def test_one_file_is_it(tmp_path: Path) -> None:
    (tmp_path / "lr.ipynb").write_text("{}")
    assert find_submission(tmp_path, "lr") == tmp_path / "lr.ipynb"


def test_nothing_to_grade_says_what_it_looked_for(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match=r"no lr\.py or lr\.ipynb"):
        find_submission(tmp_path, "lr")


def test_the_untouched_stub_twin_is_not_a_candidate(tmp_path: Path, stubs: list[Path]) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "lr.py").write_text("def f():\n    return 1\n")
    _notebook(work / "lr.ipynb", "def f():\n    raise NotImplementedError\n")
    assert find_submission(work, "lr", stubs=stubs) == work / "lr.py"
    # and the other way round: a worked notebook beside the untouched .py stub
    (work / "lr.py").write_text(stubs[0].read_text())
    _notebook(work / "lr.ipynb", "def f():\n    return 2\n")
    assert find_submission(work, "lr", stubs=stubs) == work / "lr.ipynb"


def test_a_link_to_a_file_outside_the_folder_is_not_the_students(tmp_path: Path) -> None:
    """On Gradescope a link in the submission to the course's reference (or, in a class
    folder, to another student's file) would be graded as the student's own work."""
    secret = tmp_path / "reference.py"
    secret.write_text("def f():\n    return 1\n")
    work = tmp_path / "submission"
    work.mkdir()
    (work / "lr.py").symlink_to(secret)
    with pytest.raises(SubmissionError, match="link to a file outside"):
        find_submission(work, "lr")
    (work / "lr.py").unlink()
    (work / "lr.py").symlink_to(work / "nowhere.py")
    with pytest.raises(SubmissionError, match="no lr.py|leads nowhere"):
        find_submission(work, "lr")
    # a link inside the folder, or a linked folder, is the student's own
    (work / "lr.py").unlink()
    (work / "mine.py").write_text("x = 1\n")
    (work / "lr.py").symlink_to(work / "mine.py")
    assert find_submission(work, "lr") == work / "lr.py"
    (tmp_path / "linked").symlink_to(work)
    assert find_submission(tmp_path / "linked", "lr") == tmp_path / "linked" / "lr.py"


def test_a_byte_order_mark_is_no_part_of_the_code(tmp_path: Path) -> None:
    """Windows editors save UTF-8 with a BOM; Python runs such a file as it is."""
    path = tmp_path / "lr.py"
    path.write_bytes(b"\xef\xbb\xbfdef f():\n    return 1\n")
    assert load_program(path, "lr").cells[0].source == "def f():\n    return 1\n"


def test_two_changed_files_are_ambiguous_and_listed(tmp_path: Path, stubs: list[Path]) -> None:
    (tmp_path / "lr.py").write_text("def f():\n    return 1\n")
    _notebook(tmp_path / "lr.ipynb", "def f():\n    return 2\n")
    with pytest.raises(SubmissionError, match=r"2 candidate files.*lr\.py, lr\.ipynb"):
        find_submission(tmp_path, "lr", stubs=stubs)


def test_subfolders_are_searched_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "repo" / "src").mkdir(parents=True)
    (tmp_path / "repo" / "src" / "lr.py").write_text("x = 1\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "lr.py").write_text("x = 2\n")
    with pytest.raises(SubmissionError):
        find_submission(tmp_path, "lr")
    assert find_submission(tmp_path, "lr", search_subfolders=True) == \
        tmp_path / "repo" / "src" / "lr.py"
    (tmp_path / "other").mkdir()
    _notebook(tmp_path / "other" / "lr.ipynb", "x = 3")
    with pytest.raises(SubmissionError, match="2 candidate files"):
        find_submission(tmp_path, "lr", search_subfolders=True)


def test_batch_lists_an_ambiguous_student_as_a_problem(tmp_path: Path) -> None:
    for name in ("alice", "bob"):
        (tmp_path / name).mkdir()
    (tmp_path / "alice" / "lr.py").write_text("x = 1\n")
    (tmp_path / "bob" / "lr.py").write_text("x = 1\n")
    _notebook(tmp_path / "bob" / "lr.ipynb", "x = 2")
    (tmp_path / "carol.ipynb").write_text("{}")
    found, problems = find_submissions(tmp_path, "lr")
    assert [(s.student, s.path.name) for s in found] == [("alice", "lr.py"),
                                                         ("carol", "carol.ipynb")]
    assert len(problems) == 1 and problems[0].startswith("bob:") and "candidate" in problems[0]
