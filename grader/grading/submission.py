"""Turn a submission file (``.py`` or ``.ipynb``) into cells of source to run in the sandbox.

Notebooks are parsed as data with nbformat on the trusted side and never executed here.
IPython magics, shell and help lines (``%``, ``%%``, ``!``, ``fit?``) are replaced by
``pass`` and listed, so they neither crash the grading nor run anything
(``grader.course.notebooks``, which also says which cell magics still run their code).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.course.notebooks import NotANotebook, read_notebook, strip_magics
from grader.errors import SubmissionError

__all__ = ["Cell", "Program", "SubmissionError", "load_program", "program_from_cells",
           "strip_magics"]

MAX_SUBMISSION_BYTES = 2 * 1024 * 1024


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


def load_program(path: Path, stem: str) -> Program:
    try:
        size = path.stat().st_size
    except OSError as e:
        raise SubmissionError(f"cannot read {path}: {e.strerror}") from None
    if not path.is_file():
        raise SubmissionError(f"{path} is not a file")
    if size > MAX_SUBMISSION_BYTES:
        raise SubmissionError(f"{path} is {size} bytes; the limit is {MAX_SUBMISSION_BYTES}")
    # (a byte order mark, as Windows editors save UTF-8, is no character of the code)
    text = path.read_bytes().decode("utf-8-sig", "replace").replace("\x00", "")
    if path.suffix == ".py":
        return Program(path, "py", [Cell(path.name, f"<{stem}>", text)])
    if path.suffix == ".ipynb":
        return _from_notebook(path, text)
    raise SubmissionError(f"{path}: expected a .py file or a .ipynb notebook")


def _from_notebook(path: Path, text: str) -> Program:
    try:
        nb = read_notebook(text)
    except NotANotebook as e:
        raise SubmissionError(f"{path} is {e}") from None
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


# ------------------------------------------------------------------ finding the file

_SKIP_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints", "node_modules", ".venv", "venv"}
SUFFIXES = (".py", ".ipynb")


def _code_of(path: Path, stem: str) -> list[str] | None:
    """The code a file would run (cell sources without magics), None if unreadable."""
    try:
        return [c.source.strip() for c in load_program(path, stem).cells if c.source.strip()]
    except SubmissionError:
        return None


def _is_stub(path: Path, stem: str, stubs: list[Path]) -> bool:
    code = _code_of(path, stem)
    return code is not None and any(_code_of(s, stem) == code for s in stubs if s.is_file())


def find_submission(folder: Path, stem: str, *, stubs: Sequence[Path] = (),
                    search_subfolders: bool = False) -> Path:
    """The one file to grade in ``folder``: the lesson's ``<stem>.py`` or ``<stem>.ipynb``.

    One rule everywhere (``grade``, ``grade batch``, Gradescope):
    1. the candidates are ``<stem>.py`` and ``<stem>.ipynb`` in ``folder`` (with
       ``search_subfolders``, also below it, where the top holds none: an uploaded
       repository or folder);
    2. a candidate whose code is still the shipped stub (``stubs``: the lesson's ``.py``
       and ``.ipynb``) is dropped when another candidate remains: the untouched twin of
       the file a student works in is not a choice;
    3. exactly one left is graded; none or several is a ``SubmissionError`` that lists the
       candidates and says how to name the file.
    """
    names = [f"{stem}{s}" for s in SUFFIXES]
    found = [folder / n for n in names if (folder / n).is_file()]
    if not found and search_subfolders and folder.is_dir():
        found = sorted(p for p in folder.rglob(f"{stem}.*")
                       if p.suffix in SUFFIXES and p.stem == stem and p.is_file()
                       and not any(part in _SKIP_DIRS or part.startswith(".")
                                   for part in p.relative_to(folder).parts[:-1]))
    if not found:
        raise SubmissionError(f"no {' or '.join(names)} in {folder}")
    if len(found) > 1:
        changed = [p for p in found if not _is_stub(p, stem, stubs)]
        if len(changed) == 1:
            return inside(changed[0], folder)
        listed = ", ".join(str(p.relative_to(folder)) for p in (changed or found))
        raise SubmissionError(f"{len(changed or found)} candidate files in {folder}: {listed}; "
                              "name the one to grade")
    return inside(found[0], folder)


def inside(path: Path, folder: Path) -> Path:
    """``path``, found in ``folder``, if it really is there: a link to a file elsewhere
    (the course's reference beside a Gradescope submission, another student's work in a
    class folder) is not the student's file to grade."""
    try:
        target = path.resolve(strict=True)
        if target.is_relative_to(folder.resolve(strict=True)):
            return path
    except (OSError, RuntimeError):  # a dangling or looping link
        raise SubmissionError(f"cannot read {path}: a link that leads nowhere") from None
    raise SubmissionError(f"{path} is a link to a file outside {folder}; submit the file "
                          "itself")
