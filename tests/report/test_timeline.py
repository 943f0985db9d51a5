"""The attempts and timeline section: golden statistics on a fixture class with several
attempts per student, computed here independently (each bucket's numbers recomputed from
scratch from the fixture's table, not by sweeping through time as the report does); the
section shows only when some student made several attempts."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.report.class_report import render_report
from grader.report.class_stats import lesson_stats, row_time, timeline
from tests.report import fixture_class as fx

POINTS = [p for _, p in fx.CHECKS]


def _attempts() -> list[tuple[str, float, int]]:
    """(student, hours after START, score) of every attempt, from the tables. A first
    "attempt" the grader failed on (jon's) is no attempt of the student's once they have
    a real one (a resumed batch grades them again): only their retry counts."""
    retried = {student for student, _, _ in fx.RETRIES}
    out = []
    for student, passed in fx.TABLE.items():
        if passed is None and student in retried:
            continue
        score = 0 if passed is None else sum(a * b for a, b in zip(passed, POINTS, strict=True))
        out.append((student, fx.FIRST_AT[student], score))
    for student, hours, passed in fx.RETRIES:
        out.append((student, hours, sum(a * b for a, b in zip(passed, POINTS, strict=True))))
    return out


def _expected(attempts: list[tuple[str, float, int]], step: timedelta,
              first_bucket: datetime) -> list[tuple[str, int, int, float]]:
    """(bucket start, attempts in it, students so far, best-so-far mean) per bucket."""
    times = [(s, fx.START + timedelta(hours=h), score) for s, h, score in attempts]
    students = {s for s, _, _ in times}
    last = max(t for _, t, _ in times)
    out = []
    start = first_bucket
    while start <= last:
        end = start + step
        made = [x for x in times if start <= x[1] < end]
        before = [x for x in times if x[1] < end]
        best = {s: max(score for s2, _, score in before if s2 == s)
                for s in {s for s, _, _ in before}}
        out.append((start.isoformat(), len(made), len(best),
                    sum(best.values()) / len(students)))
        start = end
    return out


def test_golden_attempts_per_student() -> None:
    stats = lesson_stats(fx.attempt_rows())
    per_student = Counter(s for s, _, _ in _attempts())
    assert stats.attempts == dict(per_student)
    assert stats.attempt_counts == dict(Counter(per_student.values()))
    assert stats.attempt_counts == {1: 7, 2: 1, 3: 2}  # jon: 1 (his grader error is none)
    # the latest attempt counts for the scores: hal's last one scored 0
    assert stats.scores["hal"] == 0 and stats.scores["cy"] == 10 and stats.scores["jon"] == 5


def test_golden_daily_timeline() -> None:
    t = lesson_stats(fx.attempt_rows()).timeline
    assert t is not None and t.unit == "day"  # the attempts span more than two days
    day0 = fx.START.replace(hour=0, minute=0)
    want = _expected(_attempts(), timedelta(days=1), day0)
    got = [(b.start.isoformat(), b.submissions, b.students_so_far, b.best_mean)
           for b in t.buckets]
    assert [g[:3] for g in got] == [w[:3] for w in want]
    assert [g[3] for g in got] == pytest.approx([w[3] for w in want])
    assert [b.label for b in t.buckets] == ["2025-03-03", "2025-03-04", "2025-03-05",
                                            "2025-03-06"]
    assert (t.students, t.untimed) == (10, 0)
    assert sum(b.submissions for b in t.buckets) == len(_attempts())
    # at the end: the mean of every student's best score
    best = {}
    for s, _, score in _attempts():
        best[s] = max(best.get(s, 0), score)
    assert t.buckets[-1].best_mean == pytest.approx(sum(best.values()) / len(best))


def test_golden_hourly_timeline_when_the_span_is_short() -> None:
    cut = 30.0  # the first 30 hours: hourly buckets, empty hours included
    rows = [r for r in fx.attempt_rows()
            if row_time(r) < fx.START + timedelta(hours=cut + 0.5)]
    t = timeline(rows)
    assert t is not None and t.unit == "hour"
    hour0 = fx.START.replace(minute=0)
    want = _expected([a for a in _attempts() if a[1] <= cut], timedelta(hours=1), hour0)
    got = [(b.start.isoformat(), b.submissions, b.students_so_far, b.best_mean)
           for b in t.buckets]
    assert len(got) == len(want) == 31  # 09:00 on day 1 to 15:00 on day 2
    assert [g[:3] for g in got] == [w[:3] for w in want]
    assert [g[3] for g in got] == pytest.approx([w[3] for w in want])
    assert t.buckets[0].label == "2025-03-03 09:00"
    assert sum(b.submissions == 0 for b in t.buckets) > 10


def test_weekly_timeline_over_a_term() -> None:
    rows = fx.attempt_rows()
    late = {**rows[-1], "submitted_at": (fx.START + timedelta(days=150)).isoformat()}
    t = timeline([*rows, late])
    assert t is not None and t.unit == "week"
    assert all(b.start.weekday() == 0 for b in t.buckets)  # weeks start on Monday
    assert len(t.buckets) == (fx.START + timedelta(days=150) - t.buckets[0].start).days // 7 + 1
    assert t.buckets[-1].submissions == 1


def test_times_are_read_in_utc_and_untimed_rows_are_counted_apart() -> None:
    assert row_time({"submitted_at": "2025-03-03T10:00:00+02:00"}) == \
        datetime(2025, 3, 3, 8, tzinfo=UTC)
    assert row_time({"graded_at": "2025-03-03T10:00:00Z"}) == datetime(2025, 3, 3, 10, tzinfo=UTC)
    assert row_time({"graded_at": "2025-03-03 10:00:00"}) == datetime(2025, 3, 3, 10, tzinfo=UTC)
    assert row_time({"submitted_at": "2025-03-03T09:00:00+00:00",
                     "graded_at": "2025-03-04T09:00:00+00:00"}).day == 3  # submitted first
    assert row_time({"submitted_at": "yesterday", "graded_at": 5}) is None
    assert row_time({}) is None
    rows = fx.attempt_rows()
    for r in rows[:3]:
        del r["submitted_at"], r["graded_at"]
    t = lesson_stats(rows).timeline
    assert t is not None and t.untimed == 3
    assert sum(b.submissions for b in t.buckets) == len(rows) - 3 - 1  # and jon's grader error
    assert timeline(rows[:3]) is None  # nothing to place


def test_the_section_shows_only_with_several_attempts() -> None:
    single = render_report(fx.rows())
    assert 'class="attempts"' not in single and single.count("<svg") == 2
    assert lesson_stats(fx.rows()).timeline is None
    html = render_report(fx.attempt_rows())
    assert html == render_report(fx.attempt_rows())  # deterministic, figures included
    assert 'class="attempts"' in html and 'class="timeline"' in html
    assert html.count("<svg") == 4
    assert 'data-stat="several">3<' in html and 'data-stat="attempts">15<' in html
    assert 'data-stat="best_mean_final">7.5<' in html
    assert "attempts per day" in html and "2025-03-06" in html
    assert "<script" not in html.lower()


def test_attempts_without_times_show_no_timeline() -> None:
    rows = fx.rows()
    rows.append(fx.graded_row("dee", (1, 1, 1), 50))
    html = render_report(rows)
    assert 'class="attempts"' in html and 'class="timeline"' not in html
    assert "No timeline" in html and html.count("<svg") == 3


def test_cli_reports_chosen_lessons(tmp_path) -> None:
    rows = fx.attempt_rows()
    other = [{**r, "lesson": "1.3"} for r in fx.rows()]
    path = tmp_path / "all.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows + other))
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["report", str(path), "-o", str(out), "--lesson", "1.2"])
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert 'id="lesson-1.2"' in html and 'id="lesson-1.3"' not in html
    assert 'class="timeline"' in html
    r = CliRunner().invoke(main, ["report", str(path), "-o", str(out), "--lesson", "9.9"])
    assert r.exit_code == 2 and "no results of lesson(s) 9.9" in r.output
    r = CliRunner().invoke(main, ["report", "-o", str(out)])
    assert r.exit_code == 2 and "--database URL or --service" in r.output
    r = CliRunner().invoke(main, ["report", str(path), "--data", str(tmp_path)])
    assert r.exit_code == 2 and "--service" in r.output
