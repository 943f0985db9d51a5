"""A spec's cross-references are validated when the lesson loads: a typo in a spec is the
course's fault, reported with the file and the field, never graded as a student's loss."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.course.lessons import Lesson, all_lessons
from grader.errors import EXIT_GRADER, SpecError

ROOT = Path(__file__).resolve().parents[2]


def _course(tmp_path: Path, lesson: str) -> Path:
    for top in ("reference", "assignments"):
        shutil.copytree(ROOT / top / lesson, tmp_path / top / lesson)
    return tmp_path


def _break(root: Path, lesson: str, old: str, new: str) -> None:
    spec = root / "reference" / lesson / "spec.toml"
    text = spec.read_text()
    assert old in text, old
    spec.write_text(text.replace(old, new, 1))


def test_every_shipped_lesson_validates() -> None:
    for lesson in all_lessons(ROOT):
        assert lesson.spec.max_score > 0


@pytest.mark.parametrize("lesson,old,new,field,says", [
    ("1.3", 'use = "generator"', 'use = "generatr"', "steps[0].use",
     "unknown harness helper 'generatr'"),
    ("1.2", 'args = ["$X", "$w", "$b"]', 'args = ["$X", "$ww", "$b"]', "steps[0].args",
     "'$ww' is not an input"),
    ("1.2", 'call = "predict"', 'call = "predikt"', "steps[0].call",
     "'predikt' is not defined in the student's stub"),
    ("2.3", 'dataset = "digits"', 'dataset = "digitz"', "dataset",
     "unknown dataset 'digitz'"),
    ("1.2", 'out = "y_hat"', 'out = "yhat"', "outputs",
     "'y_hat' is produced by no step"),
    ("1.2", 'expected = "lstsq.w"', 'expected = "lstsq.ww"', "expected",
     "probe 'lstsq' has no output 'ww'"),
    ("3.1", 'expect = { module = "torch.optim" }', 'expect = { module = "torch.optimz" }',
     "expect.module", "'torch.optimz' cannot be imported"),
])
def test_a_broken_reference_names_the_file_and_the_field(tmp_path, lesson, old, new, field,
                                                         says) -> None:
    root = _course(tmp_path, lesson)
    _break(root, lesson, old, new)
    with pytest.raises(SpecError) as err:
        Lesson(lesson, root).spec  # noqa: B018
    text = str(err.value)
    assert str(root / "reference" / lesson / "spec.toml") in text
    assert field in text and says in text, text
    assert err.value.exit_code == EXIT_GRADER and err.value.fault == "grader"


def test_missing_mistake_file_and_quiz_key_entry(tmp_path) -> None:
    root = _course(tmp_path, "1.2")
    (root / "reference" / "1.2" / "mistakes" / "sign_error.py").unlink()
    with pytest.raises(SpecError, match=r"mistakes\[\d\] \('sign_error'\).*does not exist"):
        Lesson("1.2", root).spec  # noqa: B018
    root = _course(tmp_path / "q", "1.6")
    key = root / "reference" / "1.6" / "key.toml"
    key.write_text(key.read_text().replace("[q1]", "[q1_renamed]", 1))
    with pytest.raises(SpecError, match=r"key.toml (has no )?entry 'q1'"):
        Lesson("1.6", root).spec  # noqa: B018


def test_lesson_id_must_match_its_folder(tmp_path) -> None:
    root = _course(tmp_path, "1.2")
    _break(root, "1.2", 'id = "1.2"', 'id = "1.9"')
    with pytest.raises(SpecError, match="lesson.id"):
        Lesson("1.2", root).spec  # noqa: B018
