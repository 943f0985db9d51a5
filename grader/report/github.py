"""GitHub Actions output: a job summary in Markdown and ``::error`` annotations.

The summary (a table of checks, the score, the named mistakes) is appended to the file
``$GITHUB_STEP_SUMMARY`` names. Each check that did not pass becomes a workflow command
``::error title=...::message``, escaped the way GitHub's toolkit does it (``@actions/core``
``command.ts``): in the message ``%``, ``\\r`` and ``\\n`` become ``%25``, ``%0D`` and
``%0A``; in a property (``title``) also ``:`` and ``,`` become ``%3A`` and ``%2C``.
"""

from __future__ import annotations

from grader.report.details import measured
from grader.results import GradeResult

_MAX_MESSAGE = 2000


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (``title=...``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: str) -> str:
    """``::command key=value,key=value::message`` with everything escaped."""
    props = ",".join(f"{k}={escape_property(v)}" for k, v in properties.items())
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def annotations(result: GradeResult) -> list[str]:
    """An ``::error`` for each check that did not pass, then a ``::notice`` with the score."""
    lines = []
    for c in result.checks:
        if c.status == "passed":
            continue
        text = " — ".join(x for x in (c.message or "(no details)", measured(c)) if x)
        if c.mistake:
            text += f" — looks like: {c.mistake.title} (see the job summary)"
        if len(text) > _MAX_MESSAGE:
            text = text[:_MAX_MESSAGE] + "… (truncated)"
        lines.append(workflow_command(
            "error", text,
            title=f"Lesson {result.lesson}: {c.name} ({c.status}, {c.points}/{c.max_points})"))
    if result.isolation_warning:
        lines.append(workflow_command("warning", result.isolation_warning,
                                      title=f"Lesson {result.lesson}: grading not isolated"))
    lines.append(workflow_command("notice", f"{result.score}/{result.max_score} points "
                                            f"(seed {result.seed})",
                                  title=f"Lesson {result.lesson} score"))
    return lines


def _cell(text: str) -> str:
    """Text for one cell of a Markdown table: no HTML, no column breaks, no new lines."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


_ICON = {"passed": "✅ passed", "failed": "❌ failed", "error": "⚠️ error",
         "timeout": "⌛ timeout"}


def job_summary(result: GradeResult) -> str:
    """The Markdown job summary of one graded lesson."""
    lines = [f"### Lesson {_cell(result.lesson)}: {_cell(result.title)} — "
             f"{result.score}/{result.max_score} points", "",
             "| check | points | result | details |", "| --- | ---: | --- | --- |"]
    for c in result.checks:
        details = []
        if c.status != "passed":
            details.append(c.message or "(no details)")
            error = measured(c)
            if error:
                details.append(error)
            if c.mistake:
                details.append(f"looks like: {c.mistake.title}")
        lines.append(f"| {_cell(c.name)} | {c.points}/{c.max_points} | {_ICON[c.status]} | "
                     f"{_cell('; '.join(details))} |")
    lines.append("")
    if result.mistakes:
        lines.append("#### Known mistakes")
        lines.append("")
        for m in result.mistakes:
            lines.append(f"- **{_cell(m.title)}**: {_cell(m.message)}")
        lines.append("")
    if result.isolation_warning:
        lines.append(f"> **Warning:** {_cell(result.isolation_warning)}")
        lines.append("")
    for note in result.notes:
        lines.append(f"- note: {_cell(note)}")
    lines.append(f"Score **{result.score}/{result.max_score}**, seed {result.seed} "
                 f"(replay with `grade {result.lesson} --seed {result.seed}`), "
                 f"{result.duration_s:.1f}s, sandbox {_cell(result.sandbox)}"
                 + (f" ({_cell(result.isolation)})" if result.isolation else "") + ".")
    return "\n".join(lines) + "\n\n"
