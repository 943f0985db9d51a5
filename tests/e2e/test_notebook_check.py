"""`from grader import check; check("1.2")` inside a running notebook grades its cells."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient
from rich.console import Console

from grader.course.lessons import get_lesson
from grader.delivery.notebook_check import NotInNotebook, check
from tests.conftest import ROOT

LESSON = get_lesson("1.2", ROOT)


@pytest.mark.slow
def test_cells_are_graded_and_the_report_is_drawn():
    console = Console(record=True, width=100)
    stub = check("1.2", cells=[LESSON.stub_path.read_text()], seed=4, console=console)
    assert stub.score == 0
    ref = check("1.2", cells=[LESSON.reference_source(), "from grader import check\ncheck('1.2')"],
                seed=4, console=console)
    assert ref.score == ref.max_score
    assert f"Score: {ref.max_score}/{ref.max_score}" in console.export_text()


def test_outside_a_notebook_it_says_what_to_do():
    with pytest.raises(NotInNotebook, match="grade LESSON FILE"):
        check("1.2")


@pytest.mark.slow
def test_in_a_real_kernel_the_cells_run_so_far_are_graded(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(LESSON.reference_source()),
        nbformat.v4.new_code_cell("%time _ = 1 + 1"),
        nbformat.v4.new_code_cell("from grader import check\nresult = check('1.2', seed=9)\n"
                                  "assert result.score == result.max_score, result.checks"),
    ]
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                   for o in nb.cells[2].outputs)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # rich colours the report
    assert f"Score: {LESSON.spec.max_score}/{LESSON.spec.max_score}" in text
    assert "skipped (IPython only)" in text and "%time" in text
