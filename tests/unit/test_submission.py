"""Submissions: notebooks are parsed as data, magics are skipped and listed."""

from __future__ import annotations

import nbformat
import pytest

from grader.grading.submission import SubmissionError, load_program, strip_magics


def test_magics_and_shell_lines_become_pass_and_are_listed():
    src = "%matplotlib inline\n!pip install torch\nx = 1 % 2\nfiles = !ls\ny = x != 3\n"
    out, skipped = strip_magics(src, "cell 1")
    lines = out.splitlines()
    assert lines[0].strip().startswith("pass") and lines[1].strip().startswith("pass")
    assert lines[2] == "x = 1 % 2" and lines[4] == "y = x != 3"
    assert lines[3].strip().startswith("pass")
    assert len(skipped) == 3


def test_cell_magic_skips_whole_cell():
    out, skipped = strip_magics("%%timeit\nx = 1\n", "cell 2")
    assert all(ln.startswith("#") for ln in out.splitlines())
    assert "cell magic" in skipped[0]


def test_notebook_code_cells_in_order(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# hi"), nbformat.v4.new_code_cell("a = 1"),
                nbformat.v4.new_code_cell("%time b = 2")]
    p = tmp_path / "x.ipynb"
    p.write_text(nbformat.writes(nb))
    prog = load_program(p, "x")
    assert [c.label for c in prog.cells] == ["cell 1", "cell 2"]
    assert prog.cells[1].filename == "<cell 2>"
    assert prog.skipped


def test_other_kernel_and_garbage_are_clear_errors(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "ir", "language": "R", "display_name": "R"}
    p = tmp_path / "x.ipynb"
    p.write_text(nbformat.writes(nb))
    with pytest.raises(SubmissionError, match="R notebook"):
        load_program(p, "x")
    p.write_text("{not json")
    with pytest.raises(SubmissionError, match="not a readable notebook"):
        load_program(p, "x")
    with pytest.raises(SubmissionError, match="cannot read"):
        load_program(tmp_path / "missing.py", "x")
    q = tmp_path / "x.txt"
    q.write_text("")
    with pytest.raises(SubmissionError, match="expected a .py"):
        load_program(q, "x")
