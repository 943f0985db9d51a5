"""Every shipped notebook is exactly what its .py stub generates; a submitted notebook is
read back as the Python that Jupyter would run (IPython-only syntax skipped and listed)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings

import pytest

from grader.course.lessons import all_lessons, get_lesson
from grader.course.notebooks import (
    NotANotebook,
    notebook_json,
    read_notebook,
    split_cells,
    strip_magics,
)
from grader.errors import SubmissionError
from grader.grading.submission import load_program
from tests.conftest import ROOT


def test_shipped_notebooks_are_in_sync_with_stubs():
    for les in all_lessons(ROOT):
        nb = les.stub_path.with_suffix(".ipynb")
        assert nb.is_file(), f"{nb} missing: run `grade sync-notebooks`"
        assert nb.read_text() == notebook_json(les.stub_path.read_text()), \
            f"{nb} is out of date: run `grade sync-notebooks`"


def test_split_cells_markdown_and_code():
    text = "# %% [markdown]\n# # Title\n# text\n\n# %%\nimport torch\n"
    assert split_cells(text) == [("markdown", "# Title\ntext"), ("code", "import torch")]
    nb = json.loads(notebook_json(text))
    assert [c["cell_type"] for c in nb["cells"]] == ["markdown", "code"]


# ------------------------------------------------------------------ reading a submitted notebook

FIT = "def fit(x):\n    return x + 1\n"


def _run(source: str) -> dict:
    ns: dict = {}
    exec(compile(source, "<cell>", "exec"), ns)  # noqa: S102 - our own test code
    return ns


@pytest.mark.parametrize("magic", ["%%time", "%%capture", "%%capture out",
                                   "%%capture --no-stderr out", "%%prun -q"])
def test_cell_magics_that_run_their_body_keep_it(magic):
    out, skipped = strip_magics(f"{magic}\n{FIT}", "cell 3")
    assert "fit" in _run(out)
    assert len(out.splitlines()) == len(FIT.splitlines()) + 1  # line numbers kept
    assert skipped == [f"cell 3: {magic} (this line only: the cell's code ran)"]


def test_cell_magic_body_keeps_its_own_magics_skipped():
    out, skipped = strip_magics("\n  %%time\n  %matplotlib inline\n  x = 1\n", "cell 1")
    assert _run(out)["x"] == 1
    assert skipped[0].startswith("cell 1: %%time") and skipped[1] == "cell 1: %matplotlib inline"


@pytest.mark.parametrize("magic", ["%%timeit", "%%bash", "%%writefile fit.py", "%%html",
                                   "%%script python3", "%%python3"])
def test_cell_magics_whose_body_is_not_run_here_drop_the_cell(magic):
    out, skipped = strip_magics(f"{magic}\n{FIT}", "cell 2")
    assert "fit" not in _run(out)
    assert skipped == [f"cell 2: cell magic {magic} (whole cell not run)"]


def test_help_lines_are_skipped_not_syntax_errors():
    src = (f"import math\n{FIT}fit?\n?fit\nfit??\nif True:\n    ??fit\nmath.sqrt?\n%time?\n"
           "x = 7 % 3  # why?\n")
    out, skipped = strip_magics(src, "cell 4")
    ns = _run(out)
    assert "fit" in ns and ns["x"] == 1
    assert [s.removeprefix("cell 4: ") for s in skipped] == [
        "fit?", "?fit", "fit??", "??fit", "math.sqrt?", "%time?"]


def test_which_cell_magics_run_their_body_is_what_ipython_does():
    """``RUNS_BODY`` against IPython itself (where it is installed): a magic's body defines
    ``fit`` in the notebook's namespace exactly when the grader runs that body."""
    pytest.importorskip("IPython")
    magics = ["time", "capture", "capture out", "prun -q", "timeit -n1 -r1", "writefile "
              "/dev/null", "script python3", "html"]
    code = ("import json, sys\nfrom IPython.core.interactiveshell import InteractiveShell\n"
            "sh = InteractiveShell.instance()\nout = {}\n"
            f"for m in {magics!r}:\n"
            "    sh.user_ns.pop('fit', None)\n"
            f"    sh.run_cell('%%' + m + '\\n' + {FIT!r}, silent=True)\n"
            "    out[m] = 'fit' in sh.user_ns\n"
            "sys.__stdout__.write('RESULT' + json.dumps(out))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    in_ipython = json.loads(proc.stdout.rsplit("RESULT", 1)[1])
    assert in_ipython["time"] and in_ipython["capture out"]  # (the check checks something)
    for magic, defined in in_ipython.items():
        assert ("fit" in _run(strip_magics(f"%%{magic}\n{FIT}", "c")[0])) == defined, magic


def test_notebook_with_cell_magics_and_help_lines_defines_what_jupyter_would(tmp_path):
    """The reference pasted into the shipped notebook under %%time, %%capture and help
    lines: every function the lesson grades is defined (no SyntaxError, no dropped cell)."""
    les = get_lesson("1.2")
    nb = json.loads(les.stub_path.with_suffix(".ipynb").read_text())
    source = les.reference_source().split("# ---- oracles")[0]
    for i, cell in enumerate([f"%%time\n{source}", f"%%capture out\n{source}",
                              f"{source}\nfit?\n?fit\nfit??\n"]):
        nb["cells"].append({"cell_type": "code", "id": f"added-{i}", "metadata": {},
                            "execution_count": None, "outputs": [],
                            "source": cell.splitlines(True)})
        path = tmp_path / f"nb{i}.ipynb"
        path.write_text(json.dumps(nb))
        nb["cells"].pop()
        program = load_program(path, les.spec.lesson.stem)
        ns: dict = {}
        for c in program.cells:
            exec(compile(c.source, c.filename, "exec"), ns)  # noqa: S102 - the reference
        assert ns["fit"].__code__.co_filename == program.cells[-1].filename
        assert not any("whole cell not run" in s for s in program.skipped)


@pytest.mark.parametrize(("text", "why"), [
    ("[1, 2]", "not a Jupyter notebook (its JSON is a list"),
    ('{"hello": 1}', "not a Jupyter notebook (its JSON object has no 'nbformat' field)"),
    ('{"nbformat": 4, "cells": 5}', "not a Jupyter notebook (it has no list of cells)"),
    ('"text"', "not a Jupyter notebook (its JSON is a string"),
    ("{not json", "not a readable notebook: "),
])
def test_what_is_not_a_notebook_says_so(tmp_path, text, why):
    with pytest.raises(NotANotebook, match=re.escape(why)):
        read_notebook(text)
    path = tmp_path / "work.ipynb"
    path.write_text(text)
    with pytest.raises(SubmissionError, match=re.escape(f"{path} is {why}")):
        load_program(path, "work")


def test_nbformat_warnings_are_not_shown():
    """A 4.5 notebook whose cells lack ids (hand-made or older tools) reads without
    nbformat's MissingIDFieldWarning reaching the person grading."""
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None,
                     "outputs": [], "source": "x = 1"}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert read_notebook(json.dumps(nb)).cells[0].source == "x = 1"
    assert not seen, [str(w.message) for w in seen]
