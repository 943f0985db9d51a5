"""``grade report``: one self-contained HTML page for a class (per lesson, or a module
summary when the results hold several lessons), and feedback files per student.

The page has no script and loads nothing: styles are inline, figures are SVG text, and
its Content-Security-Policy forbids every external load, so it opens straight from disk
or as an e-mail attachment. Numbers come from ``class_stats``; figures from ``figures``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from grader.report.class_stats import attempts_only, by_lesson, quantiles

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")
TOP_MISTAKES = 10
_STATUS = {"graded": "graded", "timeout": "graded, with a check over its time limit",
           "error": "graded, with a check where the code crashed",
           "unreadable": "not graded: the file could not be read",
           "ambiguous": "not graded: several submissions for one student",
           "grader_error": "not graded: the grader failed (not the student's fault)"}


def _fmt(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}".rstrip("0").rstrip(".") if abs(x - round(x)) > 1e-9 else f"{x:.0f}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape  # noqa: PLC0415

    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=False)
    env.globals.update(fmt=_fmt, pct=_pct, status_label=lambda s: _STATUS.get(s, s))
    return env


def render_report(rows: list[dict[str, Any]], *, sources: str = "results",
                  title: str | None = None) -> str:
    """The HTML page for ``rows`` (one lesson, or several: then a module summary first)."""
    from grader.report.figures import (  # noqa: PLC0415
        attempts_histogram,
        duration_histogram,
        score_histogram,
        timeline_figure,
    )

    lessons = by_lesson(rows)
    figures = {
        L.lesson: {"scores": score_histogram(list(L.scores.values()), L.max_score)
                   if L.scores else "",
                   "durations": duration_histogram(L.durations) if L.durations else "",
                   "attempts": attempts_histogram(L.attempt_counts)
                   if max(L.attempts.values()) > 1 else "",
                   "timeline": timeline_figure(
                       [b.label for b in L.timeline.buckets],
                       [b.submissions for b in L.timeline.buckets],
                       [b.best_mean for b in L.timeline.buckets], L.max_score,
                       L.timeline.unit) if L.timeline else ""}
        for L in lessons}
    students = len({r["student"] for r in rows})
    if title is None:
        title = (f"Lesson {lessons[0].lesson}: class report" if len(lessons) == 1 else
                 f"Lessons {', '.join(L.lesson for L in lessons)}: class report")
    return _environment().get_template("class_report.html.j2").render(
        title=title, subtitle=f"{students} student(s), {len(rows)} result(s)",
        lessons=lessons, module=len(lessons) > 1, figures=figures, csp=CSP,
        runtime={L.lesson: quantiles(L.durations) for L in lessons}, top=TOP_MISTAKES,
        sources=sources)


# ------------------------------------------------------------------ per-student files

_UNSAFE_RUN = re.compile(r"_{2,}")
_MAX_NAME_BYTES = 120  # with the hash and ".html", well under a file system's 255
INDEX = "index.json"


def _short_hash(student: str) -> str:
    return hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _readable(student: str) -> str:
    """``student`` as a file name's stem: letters and digits of any script (``José``,
    ``Ω``, ``李``), ``.``, ``_`` and ``-`` kept, anything else (spaces, ``/``, marks)
    ``_``; no leading or trailing dot, no more than ``_MAX_NAME_BYTES`` of UTF-8."""
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in student)
    name = _UNSAFE_RUN.sub("_", name).strip("._")
    while len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        name = name[:-1]
    return name


def student_files(students: Iterable[str]) -> dict[str, str]:
    """student -> the stem of their feedback files: one file per student, always. The
    name itself where it is a safe file name; else its readable form (``_readable``) with
    a short hash of the exact name (``a b`` -> ``a_b-1f2e3d4c``: never ``a_b``'s file),
    as for names that differ only in case (one file on a case-insensitive disk)."""
    names = sorted(set(students))
    stems: dict[str, str] = {}
    for student in names:
        readable = _readable(student)
        stems[student] = readable if readable and readable == student else \
            (f"{readable}-" if readable else "student-") + _short_hash(student)
    folded = Counter(stem.casefold() for stem in stems.values())
    used: set[str] = set()
    for student in names:
        stem = stems[student]
        if folded[stem.casefold()] > 1 and stem == student:  # Ada and ada
            stem = f"{stem}-{_short_hash(student)}"
        while stem.casefold() in used:  # (a name that is another's stem with its hash)
            stem = f"{stem}-{_short_hash(stem)}"
        used.add(stem.casefold())
        stems[student] = stem
    return stems


def student_markdown(student: str, rows: list[dict[str, Any]]) -> str:
    """One student's feedback (their latest attempt per lesson) as Markdown."""
    lines = [f"# Feedback for {student}", ""]
    for r in rows:
        head = f"## Lesson {r['lesson']}" + (f": {r['title']}" if r.get("title") else "")
        lines += [head, ""]
        if r.get("status", "graded") != "graded" or "checks" not in r:
            lines += [f"Not graded: {r.get('error', 'no result')}", ""]
            continue
        lines += [f"Score: **{r['score']}/{r['max_score']}** (seed {r.get('seed')})", "",
                  "| check | points | result |", "| --- | --- | --- |"]
        for c in r["checks"]:
            name = str(c["name"]).replace("|", "\\|")
            lines.append(f"| {name} | {c['points']}/{c['max_points']} | {c['status']} |")
        lines.append("")
        for c in r["checks"]:
            if c["status"] == "passed":
                continue
            lines += [f"**{c['name']}**: {c.get('message') or '(no details)'}"]
            if c.get("mistake"):
                m = c["mistake"]
                lines += [f"Looks like: *{m['title']}*. {m['message']}"]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def student_html(student: str, rows: list[dict[str, Any]]) -> str:
    """The same feedback as a small self-contained HTML page."""
    return _environment().get_template("student_feedback.html.j2").render(
        student=student, rows=rows, csp=CSP)


def write_per_student(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    """``out/<student>.md`` and ``out/<student>.html`` for every student (file names:
    ``student_files``), and ``out/index.json``, each student's files by their exact
    name; returns the feedback files."""
    out.mkdir(parents=True, exist_ok=True)
    latest: dict[str, dict[str, dict[str, Any]]] = {}
    for r in attempts_only(rows):
        latest.setdefault(r["student"], {})[r["lesson"]] = r
    written = []
    stems = student_files(latest)
    index = {}
    for student in sorted(latest):
        mine = [latest[student][k] for k in sorted(latest[student])]
        files = {}
        for suffix, text in ((".md", student_markdown(student, mine)),
                             (".html", student_html(student, mine))):
            path = out / f"{stems[student]}{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
            files[suffix.lstrip(".")] = path.name
        index[student] = files
    (out / INDEX).write_text(json.dumps({"students": index}, indent=1, ensure_ascii=False)
                             + "\n", encoding="utf-8")
    return written

