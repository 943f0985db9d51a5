"""The statistics of a class: what ``grade report`` shows, computed from result rows.

A row is one graded submission as ``grade batch`` writes it (``{"student": ...,
"status": ..., **GradeResult}``); the same object comes from Slurm shards and, later, the
service's database. Everything here is plain Python on those rows: no torch, no
plotting, so the numbers can be checked on their own.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# a check almost nobody passes, or one whose outcome says nothing about the total
LOW_PASS_RATE = 0.10
LOW_DISCRIMINATION = 0.10


class ReportInputError(ValueError):
    """A results file that cannot be read as result rows."""


def read_rows(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Every result row of the JSON-lines files ``paths``, in file order; a line cut short
    by an interruption is skipped, anything else malformed is an error naming the line."""
    rows: list[dict[str, Any]] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise ReportInputError(f"cannot read {path}: {e.strerror}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                if number == len(lines):
                    continue  # the last line of an interrupted run
                raise ReportInputError(f"{path}, line {number}: not JSON") from None
            if not isinstance(row, dict) or not isinstance(row.get("student"), str) \
                    or not isinstance(row.get("lesson"), str):
                raise ReportInputError(f"{path}, line {number}: not a result row (needs "
                                       "student and lesson)")
            rows.append(row)
    return rows


@dataclass
class Summary:
    n: int
    mean: float
    median: float
    std: float
    min: float
    max: float
    at_zero: int
    at_full: int


@dataclass
class CheckStats:
    name: str
    points: int
    pass_rate: float
    discrimination: float | None  # point-biserial r with the total; None when undefined
    flags: list[str] = field(default_factory=list)


@dataclass
class MistakeStats:
    id: str
    title: str
    message: str
    count: int
    students: list[str]


@dataclass
class LessonStats:
    lesson: str
    title: str
    max_score: int
    scores: dict[str, int]  # student -> score of the latest attempt
    summary: Summary | None
    checks: list[CheckStats]
    mistakes: list[MistakeStats]
    statuses: dict[str, int]  # graded, timeout, error, unreadable, grader_error
    problems: list[tuple[str, str, str]]  # (student, status, message) of ungraded ones
    durations: list[float]
    attempts: dict[str, int]  # student -> number of attempts


def summarize(scores: list[float]) -> Summary | None:
    if not scores:
        return None
    top = max(scores)
    return Summary(n=len(scores), mean=statistics.fmean(scores),
                   median=statistics.median(scores),
                   std=statistics.pstdev(scores) if len(scores) > 1 else 0.0,
                   min=min(scores), max=top, at_zero=sum(s == 0 for s in scores),
                   at_full=0)


def point_biserial(passed: list[bool], totals: list[float]) -> float | None:
    """Pearson's r between a pass (1) / fail (0) and the total score: the point-biserial
    correlation. None when either side has no spread (everyone passed, all equal)."""
    n = len(passed)
    if n < 2:
        return None
    xs = [1.0 if p else 0.0 for p in passed]
    mx, my = sum(xs) / n, sum(totals) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in totals)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, totals, strict=True))
    return sxy / math.sqrt(sxx * syy)


def _is_graded(row: dict[str, Any]) -> bool:
    return row.get("status", "graded") == "graded" and isinstance(row.get("checks"), list)


def row_status(row: dict[str, Any]) -> str:
    """graded, timeout (some check ran out of time), error (the submission crashed in some
    check), unreadable, grader_error."""
    status = row.get("status", "graded" if "checks" in row else "unreadable")
    if status != "graded":
        return str(status)
    kinds = {c.get("status") for c in row.get("checks", [])}
    return "timeout" if "timeout" in kinds else "error" if "error" in kinds else "graded"


def lesson_stats(rows: list[dict[str, Any]]) -> LessonStats:
    """The statistics of one lesson's rows (the latest attempt of each student counts)."""
    if not rows:
        raise ReportInputError("no result rows")
    lesson = rows[0]["lesson"]
    attempts: dict[str, int] = Counter(r["student"] for r in rows)
    latest: dict[str, dict[str, Any]] = {}
    for r in rows:
        latest[r["student"]] = r  # rows are in the order they were graded
    graded = {s: r for s, r in latest.items() if _is_graded(r)}
    max_score = max((int(r.get("max_score") or 0) for r in rows), default=0)
    title = next((str(r["title"]) for r in rows if r.get("title")), "")
    scores = {s: int(r.get("score", 0)) for s, r in graded.items()}
    summary = summarize([float(v) for v in scores.values()])
    if summary is not None:
        summary.at_full = sum(v == max_score for v in scores.values())

    # per check, over graded submissions
    order: list[str] = []
    results: dict[str, list[tuple[bool, float]]] = defaultdict(list)
    points: dict[str, int] = {}
    for s, r in graded.items():
        for c in r["checks"]:
            name = str(c.get("name"))
            if name not in points:
                order.append(name)
                points[name] = int(c.get("max_points", 0))
            results[name].append((c.get("status") == "passed", float(scores[s])))
    checks = []
    for name in order:
        outcome = results[name]
        rate = sum(p for p, _ in outcome) / len(outcome)
        r = point_biserial([p for p, _ in outcome], [t for _, t in outcome])
        flags = []
        if rate < LOW_PASS_RATE:
            flags.append("almost nobody passes")
        if r is not None and r < LOW_DISCRIMINATION:
            flags.append("does not discriminate")
        checks.append(CheckStats(name, points[name], rate, r, flags))
    checks.sort(key=lambda c: (c.pass_rate, c.name))

    # named mistakes, counted once per student
    named: dict[str, MistakeStats] = {}
    for s, r in sorted(graded.items()):
        for m in r.get("mistakes", []):
            entry = named.setdefault(m["id"], MistakeStats(m["id"], m.get("title", m["id"]),
                                                           m.get("message", ""), 0, []))
            if s not in entry.students:
                entry.count += 1
                entry.students.append(s)
    mistakes = sorted(named.values(), key=lambda m: (-m.count, m.id))

    statuses = Counter(row_status(r) for r in latest.values())
    problems = sorted((s, row_status(r), str(r.get("error", "")))
                      for s, r in latest.items() if not _is_graded(r))
    durations = sorted(float(r["duration_s"]) for r in latest.values()
                       if isinstance(r.get("duration_s"), (int, float)))
    return LessonStats(lesson, title, max_score, dict(sorted(scores.items())), summary, checks,
                       mistakes, dict(sorted(statuses.items())), problems, durations,
                       dict(sorted(attempts.items())))


def by_lesson(rows: list[dict[str, Any]]) -> list[LessonStats]:
    """Statistics per lesson, in lesson order."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r["lesson"]].append(r)
    return [lesson_stats(groups[k]) for k in sorted(groups, key=_lesson_key)]


def _lesson_key(lesson: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in lesson.split("."))


def quantiles(values: list[float]) -> dict[str, float]:
    """min, median, 90th percentile and max of ``values`` (empty dict when none)."""
    if not values:
        return {}
    v = sorted(values)

    def q(p: float) -> float:
        i = p * (len(v) - 1)
        lo = math.floor(i)
        hi = min(lo + 1, len(v) - 1)
        return v[lo] + (v[hi] - v[lo]) * (i - lo)

    return {"min": v[0], "median": q(0.5), "p90": q(0.9), "max": v[-1]}
