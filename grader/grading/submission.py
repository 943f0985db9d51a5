"""Turn a submission file (``.py`` or ``.ipynb``) into cells of source to run in the sandbox.

Notebooks are parsed as data with nbformat on the trusted side and never executed here.
IPython magics and shell lines (``%``, ``%%``, ``!``) are replaced by ``pass`` and listed,
so they neither crash the grading nor run anything.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import SubmissionError

__all__ = ["Cell", "Program", "SubmissionError", "load_program", "program_from_cells",
           "strip_magics"]

MAX_SUBMISSION_BYTES = 2 * 1024 * 1024
_MAGIC = re.compile(r"^(\s*)(%%?|!)(.*)$")
_ASSIGN_SHELL = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*\s*=\s*)(!|%)(.*)$")


@dataclass
class Cell:
    label: str  # "submission.py" or "cell 3"
    filename: str  # compile() filename, so tracebacks name the cell
    source: str


@dataclass
class Program:
    path: Path
    kind: str  # "py" | "ipynb"
    cells: list[Cell]
    skipped: list[str] = field(default_factory=list)  # magics and shell lines not run

    @property
    def source(self) -> str:
        return "\n\n".join(c.source for c in self.cells)


def strip_magics(source: str, label: str) -> tuple[str, list[str]]:
    """Replace IPython-only lines with ``pass`` (keeping line numbers); return skipped ones."""
    lines = source.splitlines()
    skipped: list[str] = []
    if lines and lines[0].lstrip().startswith("%%"):
        skipped.append(f"{label}: cell magic {lines[0].strip()[:80]} (whole cell not run)")
        return "\n".join("# " + ln for ln in lines), skipped
    out = []
    for ln in lines:
        m = _MAGIC.match(ln) or _ASSIGN_SHELL.match(ln)
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


def load_program(path: Path, stem: str) -> Program:
    try:
        size = path.stat().st_size
    except OSError as e:
        raise SubmissionError(f"cannot read {path}: {e.strerror}") from None
    if not path.is_file():
        raise SubmissionError(f"{path} is not a file")
    if size > MAX_SUBMISSION_BYTES:
        raise SubmissionError(f"{path} is {size} bytes; the limit is {MAX_SUBMISSION_BYTES}")
    text = path.read_bytes().decode("utf-8", "replace").replace("\x00", "")
    if path.suffix == ".py":
        return Program(path, "py", [Cell(path.name, f"<{stem}>", text)])
    if path.suffix == ".ipynb":
        return _from_notebook(path, text)
    raise SubmissionError(f"{path}: expected a .py file or a .ipynb notebook")


def _from_notebook(path: Path, text: str) -> Program:
    import nbformat  # noqa: PLC0415 - only for notebooks

    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as e:  # noqa: BLE001 - nbformat raises many kinds
        raise SubmissionError(f"{path} is not a readable notebook: {str(e)[:200]}") from None
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    if language and str(language).lower() != "python":
        raise SubmissionError(f"{path} is a {language} notebook; a Python notebook is needed")
    sources = [str(c.get("source", "")) for c in nb.cells if c.get("cell_type") == "code"]
    return program_from_cells(path, sources)


def program_from_cells(path: Path, sources: list[str]) -> Program:
    """A notebook's code cells, in order, as a program (magics and shell lines skipped)."""
    cells: list[Cell] = []
    skipped: list[str] = []
    for number, text in enumerate(sources, start=1):
        label = f"cell {number}"
        source, skip = strip_magics(text, label)
        skipped.extend(skip)
        cells.append(Cell(label, f"<cell {number}>", source))
    return Program(path, "ipynb", cells, skipped)
