"""Generate a lesson's notebook from its ``.py`` stub (percent-format cells), one source of truth.

``# %% [markdown]`` starts a markdown cell whose lines are ``# ``-prefixed comments;
``# %%`` starts a code cell. The output is deterministic, so a test can assert that the
shipped notebook is exactly what the stub generates.
"""

from __future__ import annotations

import json
from pathlib import Path

_MARKDOWN = "# %% [markdown]"
_CODE = "# %%"


def split_cells(text: str) -> list[tuple[str, str]]:
    """(kind, source) pairs from percent-format text; text before the first marker is code."""
    cells: list[tuple[str, list[str]]] = []
    kind, lines = "code", []
    for line in text.splitlines():
        stripped = line.rstrip()
        if stripped in (_MARKDOWN, _CODE) or stripped.startswith(_CODE + " "):
            if any(ln.strip() for ln in lines):
                cells.append((kind, lines))
            kind = "markdown" if stripped.startswith(_MARKDOWN) else "code"
            lines = []
            continue
        lines.append(line)
    if any(ln.strip() for ln in lines):
        cells.append((kind, lines))
    out = []
    for kind, body in cells:
        while body and not body[0].strip():
            body = body[1:]
        while body and not body[-1].strip():
            body = body[:-1]
        if kind == "markdown":
            body = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body]
        out.append((kind, "\n".join(body)))
    return out


def notebook_json(text: str) -> str:
    """The notebook (nbformat 4.5) for a stub's text, as canonical JSON."""
    cells = []
    for i, (kind, source) in enumerate(split_cells(text)):
        cell: dict[str, object] = {"cell_type": kind, "id": f"cell-{i}", "metadata": {},
                                   "source": source.splitlines(True)}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def notebook_path(stub: Path) -> Path:
    return stub.with_suffix(".ipynb")


def sync(stub: Path, *, check: bool = False) -> bool:
    """Write (or with ``check``, compare) the notebook twin; True if it was up to date."""
    target = notebook_path(stub)
    wanted = notebook_json(stub.read_text(encoding="utf-8"))
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if current == wanted:
        return True
    if not check:
        target.write_text(wanted, encoding="utf-8")
    return False
