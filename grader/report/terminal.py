"""Terminal output with rich: a table of checks, then what differed and the named mistakes."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.report.details import measured
from grader.results import GradeResult

_STYLE = {"passed": ("✔ passed", "green"), "failed": ("✘ failed", "red"),
          "error": ("! error", "magenta"), "timeout": ("⌛ timeout", "yellow")}


def render_terminal(result: GradeResult, console: Console) -> None:
    table = Table(title=f"Lesson {result.lesson} — {escape(result.title)}", title_justify="left",
                  expand=False)
    table.add_column("check", overflow="fold")
    table.add_column("points", justify="right")
    table.add_column("result")
    for c in result.checks:
        label, style = _STYLE[c.status]
        table.add_row(escape(c.name), f"{c.points}/{c.max_points}", Text(label, style=style))
    console.print(table)

    failures = [c for c in result.checks if c.status != "passed"]
    for c in failures:
        body: list[Text] = [Text(c.message or "(no details)")]
        numbers = measured(c)
        if numbers:
            body.append(Text(numbers, style="dim"))
        if c.mistake:
            body.append(Text.assemble(("Looks like: ", "bold yellow"), (c.mistake.title, "bold")))
        label, style = _STYLE[c.status]
        console.print(Panel(Group(*body), title=escape(c.name), title_align="left",
                            border_style=style))
    for m in result.mistakes:
        console.print(Panel(Text(m.message), title=f"Known mistake: {escape(m.title)}",
                            title_align="left", border_style="yellow"))
    if result.review:
        console.print(Panel(Text("\n".join(result.review)), title="Flagged for review",
                            title_align="left", border_style="magenta"))
    if result.isolation_warning:
        console.print(Panel(Text(result.isolation_warning, style="bold"),
                            title="WARNING: this grading was not isolated", title_align="left",
                            border_style="bold red"))
    for note in result.notes:
        console.print(Text(f"note: {note}", style="dim"))
    if result.output.strip():
        console.print(Panel(Text(result.output), title="your program printed", title_align="left",
                            border_style="dim"))
    colour = "green" if result.score == result.max_score else \
        "yellow" if result.score else "red"
    console.print(Text.assemble(("Score: ", "bold"), (f"{result.score}/{result.max_score}",
                                                      f"bold {colour}"),
                                (f"   seed {result.seed} (replay with --seed {result.seed}), "
                                 f"{result.duration_s:.1f}s, sandbox: {result.sandbox}", "dim")))
    if result.isolation:
        console.print(Text(f"isolation: {result.isolation}", style="dim"))
