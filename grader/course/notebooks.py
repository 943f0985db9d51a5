"""Notebooks both ways: a lesson's notebook generated from its ``.py`` stub, and a
submitted notebook read back as Python cells.

Generating: ``# %% [markdown]`` starts a markdown cell whose lines are ``# ``-prefixed
comments; ``# %%`` starts a code cell. The output is deterministic, so a test can assert
that the shipped notebook is exactly what the stub generates (one source of truth).

Reading (``read_notebook``, ``strip_magics``): a submitted notebook is parsed as data with
nbformat, never executed here; IPython-only syntax (``%`` and ``!`` lines, help lines such
as ``fit?``, cell magics) is replaced by ``pass`` and listed, so that it neither crashes the
grading nor runs anything. A cell magic whose body IPython runs as ordinary Python in the
notebook's namespace (``%%time``, ``%%capture``, ``%%prun``) loses only its magic line:
its code runs, as in Jupyter; any other (``%%bash``, ``%%writefile``, ``%%timeit``, whose
body runs in a namespace of its own, ``%%html``...) drops the whole cell.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from pathlib import Path
from typing import Any

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


# ------------------------------------------------------------------ reading a submitted notebook

_MAGIC = re.compile(r"^(\s*)(%%?|!)(.*)$")
_ASSIGN_SHELL = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*\s*=\s*)(!|%)(.*)$")
# IPython's help syntax: `fit?`, `?fit`, `fit??`, `torch.zeros?`, `%time?` (a line of its own)
_HELP_NAME = r"%{0,2}[A-Za-z_*][\w*]*(?:\.[A-Za-z_*][\w*]*)*"
_HELP = re.compile(rf"^(\s*)(?:\?\??\s*{_HELP_NAME}|{_HELP_NAME}\?\??)\s*$")
# Cell magics whose body IPython runs as ordinary Python in the notebook's own namespace
# (what it defines stays defined), checked against IPython: %%time, %%capture [options]
# [name] and %%prun [options]. %%timeit runs its body inside a function of its own, and the
# others run it as something else (a shell, a file, HTML, another process).
RUNS_BODY = frozenset({"time", "capture", "prun"})


def strip_magics(source: str, label: str) -> tuple[str, list[str]]:
    """Replace IPython-only lines with ``pass`` (keeping line numbers); return skipped ones.

    A cell magic in ``RUNS_BODY`` becomes ``pass`` and the rest of the cell runs (dedented
    as IPython does); any other cell magic comments out the whole cell."""
    lines = source.splitlines()
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].strip()
        name = (magic[2:].split() or [""])[0]
        if name not in RUNS_BODY:
            return ("\n".join("# " + ln for ln in lines),
                    [f"{label}: cell magic {magic[:80]} (whole cell not run)"])
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        body, skipped = strip_magics(
            "\n".join(ln[len(indent):] if ln.startswith(indent) else ln
                      for ln in lines[first + 1:]), label)
        head = [*lines[:first], "pass  # skipped by the grader (a cell magic; its code runs)"]
        return "\n".join([*head, body]) if body else "\n".join(head), [
            f"{label}: {magic[:80]} (this line only: the cell's code ran)", *skipped]
    out = []
    skipped: list[str] = []
    for ln in lines:
        m = _MAGIC.match(ln) or _ASSIGN_SHELL.match(ln) or _HELP.match(ln)
        if m and not _is_python(ln):
            skipped.append(f"{label}: {ln.strip()[:80]}")
            out.append(f"{m.group(1)}pass  # skipped by the grader")
        else:
            out.append(ln)
    return "\n".join(out), skipped


def _is_python(line: str) -> bool:
    """``x % y`` and ``a != b`` are Python; only a line that cannot parse is a magic."""
    try:
        ast.parse(line.strip())
        return True
    except SyntaxError:
        return False


class NotANotebook(ValueError):
    """Text that is no readable Jupyter notebook; its message completes "<file> is ..."."""


def read_notebook(text: str) -> Any:
    """The notebook in ``text`` (nbformat's node, as version 4), read as data.

    Raises ``NotANotebook``: JSON that is not a notebook at all (a list, an object without
    ``nbformat`` or without cells) says "not a Jupyter notebook (why)", where nbformat's
    own words would be about versions or attributes; a notebook nbformat cannot read says
    "not a readable notebook: (nbformat's words)". nbformat's warnings (a cell without an
    id, as notebooks before version 4.5 have) are nothing the person grading can act on:
    they are not printed."""
    import nbformat  # noqa: PLC0415 - only for notebooks

    try:
        data = json.loads(text)
    except ValueError:
        data = None  # nbformat says why below
    else:
        why = _not_a_notebook(data)
        if why:
            raise NotANotebook(f"not a Jupyter notebook ({why})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return nbformat.reads(text, as_version=4)
    except Exception as e:  # noqa: BLE001 - nbformat raises many kinds
        raise NotANotebook(f"not a readable notebook: {str(e)[:200]}") from None


def _not_a_notebook(data: object) -> str | None:
    """Why JSON ``data`` is not a notebook at all, or None."""
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "true or false",
                type(None): "null"}.get(type(data), "a number")
        return f"its JSON is {kind}, where a notebook is an object with cells"
    if "nbformat" not in data:
        return "its JSON object has no 'nbformat' field"
    version = data["nbformat"]
    if isinstance(version, int) and not isinstance(version, bool) and version >= 4 \
            and not isinstance(data.get("cells"), list):
        return "it has no list of cells"
    return None
