"""The ``grade`` command (click).

``grade LESSON [SUBMISSION]`` grades a ``.py`` or ``.ipynb`` file (found by the lesson's
file name in the current folder when not given); ``grade list`` shows the lessons.
Importing this module pulls in neither torch nor docker: ``grade --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

EXIT_USAGE = 2
EXIT_INTERNAL = 3


class DefaultToRun(click.Group):
    """A group whose default command is ``run``: ``grade 1.2`` means ``grade run 1.2``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("grade", "LESSON [SUBMISSION] [OPTIONS]\n       grade COMMAND ...")


@click.group(cls=DefaultToRun, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="training-loop-grader", prog_name="grade")
def main() -> None:
    """Grade exercises of "Learn the Training Loop with PyTorch".

    \b
    Examples:
      grade 1.2                      grade linear_regression.py (or .ipynb) in this folder
      grade 2.3 my_notebook.ipynb    grade a given file
      grade 3.1 --format json        machine-readable result
      grade 1.2 --seed 1234          replay a grading exactly (the seed is in every result)
      grade list                     the lessons and their points

    Your code runs in a separate process with time, memory and output limits, on inputs
    drawn fresh for every run, and is compared with a hidden reference. Failed checks say
    by how much, and name a known mistake when they recognise one.

    The default `process` sandbox limits time, memory and output but does not hide the
    rest of the machine's files: it is meant for grading your own work. Instructors
    grading untrusted submissions should use a stronger sandbox.
    """


def _find_submission(lesson: Any, given: Path | None) -> Path:
    if given is not None:
        return given
    stem = lesson.spec.lesson.stem
    found = [p for p in (Path(f"{stem}.py"), Path(f"{stem}.ipynb")) if p.is_file()]
    if not found:
        raise click.UsageError(
            f"no submission given and neither {stem}.py nor {stem}.ipynb is in this folder "
            f"({Path.cwd()}). Pass the file: grade {lesson.id} PATH")
    if len(found) > 1:
        raise click.UsageError(f"both {stem}.py and {stem}.ipynb are here; say which: "
                               f"grade {lesson.id} {stem}.py")
    return found[0]


@main.command("run")
@click.argument("lesson")
@click.argument("submission", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None,
              help="Seed for the inputs (default: fresh each run; printed in the result).")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=None,
              help="Wall-time limit in seconds for your code (default: the lesson's).")
@click.option("--sandbox", type=click.Choice(["auto", "bwrap", "process"]), default="auto",
              show_default=True, help="Where your code runs.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the JSON result to this file.")
def run_cmd(lesson: str, submission: Path | None, fmt: str, seed: int | None,
            timeout: float | None, sandbox: str, output: Path | None) -> None:
    """Grade SUBMISSION (a .py or .ipynb file) for LESSON (e.g. 1.2)."""
    from rich.console import Console  # noqa: PLC0415

    from .lessons import LessonNotFound, get_lesson  # noqa: PLC0415
    from .spec import SpecError  # noqa: PLC0415

    try:
        les = get_lesson(lesson)
        les.spec  # noqa: B018 - validate the spec before anything runs
    except LessonNotFound as e:
        raise click.UsageError(str(e)) from None
    except SpecError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(EXIT_INTERNAL)
    path = _find_submission(les, submission)

    from .engine import grade_file  # noqa: PLC0415 - imports torch
    from .sandbox import SandboxError  # noqa: PLC0415
    from .submission import SubmissionError  # noqa: PLC0415

    err = Console(stderr=True)
    try:
        if fmt == "text":
            with err.status(f"grading {path.name} for lesson {les.id}…") as status:
                result = grade_file(les, path, seed=seed, sandbox=sandbox, time_limit_s=timeout,
                                    on_progress=lambda m: status.update(m + "…"))
        else:
            result = grade_file(les, path, seed=seed, sandbox=sandbox, time_limit_s=timeout)
    except SubmissionError as e:
        raise click.UsageError(str(e)) from None
    except SandboxError as e:
        click.echo(f"error: the sandbox could not run: {e}", err=True)
        sys.exit(EXIT_INTERNAL)
    except Exception as e:  # noqa: BLE001 - a grader bug must not look like a student's fault
        if os.environ.get("GRADER_DEBUG"):
            raise
        click.echo(f"internal error in the grader (not your code): {type(e).__name__}: {e}\n"
                   "Please report it with the seed above; set GRADER_DEBUG=1 for details.",
                   err=True)
        sys.exit(EXIT_INTERNAL)
    if output is not None:
        from .report.json_report import render_json  # noqa: PLC0415

        output.write_text(render_json(result) + "\n", encoding="utf-8")
    if fmt == "json":
        from .report.json_report import render_json  # noqa: PLC0415

        click.echo(render_json(result))
    else:
        from .report.terminal import render_terminal  # noqa: PLC0415

        render_terminal(result, Console())


@main.command("list")
def list_cmd() -> None:
    """List the lessons that have a grader, with their points."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from .lessons import all_lessons  # noqa: PLC0415
    from .spec import SpecError  # noqa: PLC0415

    table = Table(title="Lessons")
    for col in ("lesson", "title", "file", "checks", "points"):
        table.add_column(col, justify="right" if col in ("checks", "points") else "left")
    for les in all_lessons():
        try:
            s = les.spec
        except SpecError as e:
            table.add_row(les.id, f"[red]invalid spec: {e}[/red]", "", "", "")
            continue
        table.add_row(les.id, s.lesson.title, f"{s.lesson.stem}.py / .ipynb",
                      str(len(s.checks)), str(s.max_score))
    Console().print(table)


@main.command("sync-notebooks")
@click.option("--check", is_flag=True, help="Only report notebooks out of date (exit 1).")
def sync_notebooks_cmd(check: bool) -> None:
    """Regenerate each assignment's .ipynb from its .py stub (course authors)."""
    from .lessons import all_lessons  # noqa: PLC0415
    from .notebooks import sync  # noqa: PLC0415

    stale = []
    for les in all_lessons():
        stub = les.stub_path
        if stub.is_file() and not sync(stub, check=check):
            stale.append(str(stub.with_suffix(".ipynb")))
    for s in stale:
        click.echo(("out of date: " if check else "wrote ") + s)
    if check and stale:
        sys.exit(1)
