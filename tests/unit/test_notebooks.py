"""Every shipped notebook is exactly what its .py stub generates."""

from __future__ import annotations

import json

from grader.course.lessons import all_lessons
from grader.course.notebooks import notebook_json, split_cells
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
