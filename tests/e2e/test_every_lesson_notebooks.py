"""Every lesson's notebooks through the real sandbox (warm workers, shared by the session):
the reference written as a notebook with IPython magics scores full marks, and the shipped
stub notebook scores zero, saying that nothing is implemented (or answered).

The real `grade` command runs on lessons of every kind in ``test_cli.py``; this covers
every lesson's own files without starting a new grader process for each.
"""

from __future__ import annotations

import pytest

from grader.course.lessons import all_lessons
from grader.course.notebooks import notebook_json
from grader.grading.engine import grade_file
from tests.conftest import ROOT, warm_backend

LESSONS = all_lessons(ROOT)
IDS = [f"lesson {les.id}" for les in LESSONS]
pytestmark = pytest.mark.slow


def _lost(result) -> list[tuple[str, str]]:
    return [(c.name, c.message[:200]) for c in result.checks if c.status != "passed"]


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_the_reference_as_a_notebook_with_magics_scores_full_marks(tmp_path, lesson):
    source = "# %%\n%matplotlib inline\n!pip install torch\n\n" + lesson.reference_source()
    nb = tmp_path / "my_work.ipynb"
    nb.write_text(notebook_json(source))
    result = grade_file(lesson, nb, seed=31, sandbox=warm_backend())
    assert result.score == result.max_score == lesson.spec.max_score, _lost(result)
    assert any("skipped (IPython only)" in n and "%matplotlib" in n for n in result.notes)


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_the_shipped_stub_notebook_scores_zero(lesson):
    nb = lesson.stub_path.with_suffix(".ipynb")
    result = grade_file(lesson, nb, seed=32, sandbox=warm_backend())
    assert result.max_score == lesson.spec.max_score and result.score == 0
    said = " ".join(c.message for c in result.checks)
    assert "not implemented" in said or "not answered" in said, said[:500]
