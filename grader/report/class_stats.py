"""The statistics of a class: what ``grade report`` shows, computed from result rows.

A row is one graded submission as ``grade batch`` writes it (``{"student": ...,
"status": ..., **GradeResult}``); the same object comes from Slurm shards and from the
service's database (``grader.service.export``). A row may carry when it happened:
``submitted_at`` (the service) and ``graded_at`` (both), ISO 8601 times; rows without
them still count everywhere except on the timeline. Everything here is plain Python on
those rows: no torch, no plotting, so the numbers can be checked on their own.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from grader.results import NOT_A_RESULT

# a check almost nobody passes, or one whose outcome says nothing about the total
LOW_PASS_RATE = 0.10
LOW_DISCRIMINATION = 0.10
# the timeline's bucket: an hour when the attempts span at most this, else a day, and a
# week when they span more than DAILY_UP_TO (a whole term)
HOURLY_UP_TO = timedelta(hours=48)
DAILY_UP_TO = timedelta(days=120)


class ReportInputError(ValueError):
    """A results file that cannot be read as result rows."""


def read_rows(paths: Iterable[Path], *,
              warn: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Every result row of the JSON-lines files ``paths``, in file order. A last line cut
    short (a run killed while writing it: that student is graded again by the next run)
    is skipped, said to ``warn``; anything else malformed, a bad line in the middle
    included, is an error naming the line."""
    rows: list[dict[str, Any]] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise ReportInputError(f"cannot read {path}: {e.strerror}") from None
        except UnicodeDecodeError as e:
            raise ReportInputError(f"{path} is not a results file (not UTF-8 text: "
                                   f"{e.reason} at byte {e.start})") from None
        last = max((i for i, line in enumerate(lines, start=1) if line.strip()), default=0)
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                if number == last:  # a run killed while writing it
                    if warn is not None:
                        warn(f"{path}, line {number}: cut short (a run was stopped while "
                             "writing it), skipped")
                    continue
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
    # how many students made k attempts: {k: students}, k ascending
    attempt_counts: dict[int, int] = field(default_factory=dict)
    timeline: Timeline | None = None  # only when some student made several attempts


@dataclass
class Bucket:
    """One hour, day or week of the timeline (times in UTC)."""

    start: datetime
    label: str
    submissions: int  # attempts made in it
    students_so_far: int  # students who had made an attempt by its end
    best_mean: float  # the class's mean best-so-far score at its end (see ``timeline``)


@dataclass
class Timeline:
    unit: str  # hour, day or week
    buckets: list[Bucket]
    students: int  # the students on it (with at least one timed attempt)
    untimed: int  # rows without a readable time: counted elsewhere, not placed here


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


def attempts_only(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` less those that are no attempt of the student's (``NOT_A_RESULT``: a batch
    grades that student again, appending, so a resumed batch holds both) where the student
    has a real one; a student with nothing else keeps their last such row (it says why
    there is no grade). Order kept."""
    real = {r["student"] for r in rows if r.get("status") not in NOT_A_RESULT}
    last = {r["student"]: i for i, r in enumerate(rows)}
    return [r for i, r in enumerate(rows) if r.get("status") not in NOT_A_RESULT
            or (r["student"] not in real and last[r["student"]] == i)]


def lesson_stats(rows: list[dict[str, Any]]) -> LessonStats:
    """The statistics of one lesson's rows (the latest attempt of each student counts; a
    grader error is no attempt: ``attempts_only``)."""
    if not rows:
        raise ReportInputError("no result rows")
    rows = attempts_only(rows)
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
    several = any(n > 1 for n in attempts.values())
    return LessonStats(lesson, title, max_score, dict(sorted(scores.items())), summary, checks,
                       mistakes, dict(sorted(statuses.items())), problems, durations,
                       dict(sorted(attempts.items())),
                       dict(sorted(Counter(attempts.values()).items())),
                       timeline(rows) if several else None)


def row_time(row: dict[str, Any]) -> datetime | None:
    """When the attempt was made, in UTC: ``submitted_at``, else ``graded_at``; None when
    neither is an ISO 8601 time (a time without a zone is taken as UTC)."""
    for key in ("submitted_at", "graded_at"):
        value = row.get(key)
        if not isinstance(value, str):
            continue
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            continue
        return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return None


def _floor(t: datetime, unit: str) -> datetime:
    day = t.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "hour":
        return t.replace(minute=0, second=0, microsecond=0)
    if unit == "week":
        return day - timedelta(days=day.weekday())  # from Monday
    return day


_STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


def _label(t: datetime, unit: str) -> str:
    return t.strftime("%Y-%m-%d %H:00") if unit == "hour" else t.strftime("%Y-%m-%d")


def timeline(rows: list[dict[str, Any]]) -> Timeline | None:
    """The attempts of one lesson over time: per bucket (an hour when they span at most
    two days, a day up to a term, else a week; empty buckets included), the attempts made,
    the students who had made one, and the class's *best-so-far mean*: over the students
    on the timeline, the mean of each one's best graded score among the attempts made by
    the bucket's end (0 before their first graded one, and for an attempt not graded).
    None when fewer than two rows carry a time. Rows that are no attempt are left out
    (``attempts_only``)."""
    rows = attempts_only(rows)
    timed = sorted(((t, i, r) for i, r in enumerate(rows) if (t := row_time(r)) is not None),
                   key=lambda x: (x[0], x[1]))
    if len(timed) < 2:
        return None
    first, last = timed[0][0], timed[-1][0]
    span = last - first
    unit = "hour" if span <= HOURLY_UP_TO else "day" if span <= DAILY_UP_TO else "week"
    students = {r["student"] for _, _, r in timed}
    best: dict[str, int] = {}
    buckets: list[Bucket] = []
    start, end = _floor(first, unit), _floor(last, unit)
    k = 0
    while start <= end:
        stop = start + _STEP[unit]
        made = 0
        while k < len(timed) and timed[k][0] < stop:
            r = timed[k][2]
            score = int(r.get("score", 0) or 0) if _is_graded(r) else 0
            best[r["student"]] = max(best.get(r["student"], 0), score)
            made += 1
            k += 1
        buckets.append(Bucket(start, _label(start, unit), made, len(best),
                              sum(best.values()) / len(students)))
        start = stop
    return Timeline(unit, buckets, len(students), len(rows) - len(timed))


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
