"""Check your work without leaving the notebook: ``from grader import check; check("1.2")``.

Grades the code cells this kernel has run so far (their source as typed, in the order
they ran, so a cell run again after an edit counts in its new form), exactly as ``grade``
grades a notebook file: in the sandbox, on fresh inputs. The report is drawn in the cell
with rich, and the result is returned.
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console

from grader.course.lessons import get_lesson
from grader.grading.engine import grade_program
from grader.grading.submission import program_from_cells
from grader.report.terminal import render_terminal
from grader.results import GradeResult

# the cells that call the grader are not part of the student's program
_GRADER_CELL = re.compile(r"^\s*(from\s+grader\b|import\s+grader\b)|\bgrader\.check\(", re.M)


class NotInNotebook(RuntimeError):
    """``check`` was called with no cells, outside an IPython kernel."""


def executed_cells() -> list[str]:
    """The source of every cell this IPython kernel has run, as typed, oldest first."""
    try:
        from IPython import get_ipython  # noqa: PLC0415
    except ImportError:
        get_ipython = None  # noqa: N806
    shell = get_ipython() if get_ipython else None
    if shell is None:
        raise NotInNotebook("check() grades the cells of a running notebook; outside one, "
                            "use the command: grade LESSON FILE")
    raw = list(getattr(shell.history_manager, "input_hist_raw", []) or
               shell.user_ns.get("In", []))
    return [c for c in raw[1:] if c.strip()]


def check(lesson: str, *, cells: list[str] | None = None, seed: int | None = None,
          sandbox: str = "auto", console: Console | None = None,
          show: bool = True) -> GradeResult:
    """Grade ``cells`` (default: the cells run so far in this notebook) for ``lesson``."""
    les = get_lesson(lesson)
    sources = executed_cells() if cells is None else cells
    program = program_from_cells(Path(f"{les.spec.lesson.stem}.ipynb"),
                                 [c for c in sources if not _GRADER_CELL.search(c)])
    result = grade_program(les, program, seed=seed, sandbox=sandbox)
    if show:
        render_terminal(result, console or Console())
    return result


