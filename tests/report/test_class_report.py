"""The class report: golden statistics on a fixture class (computed independently here),
a page that loads nothing from outside, per-student feedback files, the CLI."""

from __future__ import annotations

import re
import statistics

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.report.class_report import CSP, render_report, write_per_student
from grader.report.class_stats import lesson_stats, point_biserial, read_rows
from tests.report import fixture_class


def _graded() -> dict[str, tuple[int, int, int]]:
    return {s: p for s, p in fixture_class.TABLE.items() if p is not None}


def test_golden_summary_statistics() -> None:
    stats = lesson_stats(fixture_class.rows())
    points = [p for _, p in fixture_class.CHECKS]
    scores = [sum(ok * pts for ok, pts in zip(row, points, strict=True))
              for row in _graded().values()]
    s = stats.summary
    assert s is not None and s.n == len(scores) == 9
    assert s.mean == pytest.approx(float(np.mean(scores)))
    assert s.median == pytest.approx(float(np.median(scores)))
    assert s.std == pytest.approx(float(np.std(scores)))
    assert (s.min, s.max) == (min(scores), max(scores))
    assert s.at_zero == scores.count(0) and s.at_full == scores.count(10)


def test_golden_check_statistics() -> None:
    stats = lesson_stats(fixture_class.rows())
    graded = _graded()
    points = [p for _, p in fixture_class.CHECKS]
    totals = np.array([sum(ok * pts for ok, pts in zip(r, points, strict=True))
                       for r in graded.values()], dtype=float)
    by_name = {c.name: c for c in stats.checks}
    for i, (name, _) in enumerate(fixture_class.CHECKS):
        passed = np.array([r[i] for r in graded.values()], dtype=float)
        assert by_name[name].pass_rate == pytest.approx(passed.mean())
        assert by_name[name].discrimination == pytest.approx(
            float(np.corrcoef(passed, totals)[0, 1]))
    rates = [c.pass_rate for c in stats.checks]
    assert rates == sorted(rates)  # hardest first


def test_flags_and_undefined_discrimination() -> None:
    assert point_biserial([True, True, True], [1.0, 2.0, 3.0]) is None  # no spread
    assert point_biserial([True, False], [5.0, 5.0]) is None
    assert point_biserial([True, False, True, False], [4.0, 0.0, 4.0, 0.0]) == \
        pytest.approx(1.0)
    rows = fixture_class.rows()
    for r in rows:  # a check nobody passes
        for c in r.get("checks", []):
            if c["name"] == "predict: values":
                c["status"] = "failed"
    flagged = {c.name: c.flags for c in lesson_stats(rows).checks}
    assert "almost nobody passes" in flagged["predict: values"]


def test_mistakes_statuses_and_problems() -> None:
    stats = lesson_stats(fixture_class.rows())
    assert [(m.id, m.count, m.students) for m in stats.mistakes] == \
        [("sum_instead_of_mean", 2, ["cy", "dee"])]
    assert stats.statuses == {"graded": 8, "grader_error": 1, "timeout": 1}
    assert [p[:2] for p in stats.problems] == [("jon", "grader_error")]
    assert len(stats.durations) == 9


def test_latest_attempt_counts_and_attempts_are_counted() -> None:
    rows = fixture_class.rows()
    again = dict(rows[3])  # dee tries again and gets full marks
    again.update(score=10, checks=[{**c, "status": "passed", "points": c["max_points"],
                                    "mistake": None} for c in again["checks"]], mistakes=[])
    stats = lesson_stats([*rows, again])
    assert stats.scores["dee"] == 10 and stats.attempts["dee"] == 2
    assert stats.summary is not None and stats.summary.at_zero == 0


def test_the_page_is_self_contained_and_deterministic() -> None:
    html = render_report(fixture_class.rows())
    assert html == render_report(fixture_class.rows())
    assert f'content="{CSP}"' in html and "default-src 'none'" in html
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//)""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", html)
    for section in ("scores", "checks", "mistakes", "status"):
        assert f'class="{section}"' in html
    assert "Sum instead of mean" in html and "cy, dee" in html
    assert html.count("<svg") == 2


def test_several_lessons_get_a_module_summary() -> None:
    rows = fixture_class.rows()
    other = [{**r, "lesson": "1.3", "title": "Batch vs stochastic"} for r in rows]
    html = render_report(rows + other)
    assert 'id="module-summary"' in html and 'id="lesson-1.2"' in html and \
        'id="lesson-1.3"' in html


def test_per_student_files(tmp_path) -> None:
    files = write_per_student(fixture_class.rows(), tmp_path)
    assert len(files) == 2 * len(fixture_class.TABLE)
    md = (tmp_path / "cy.md").read_text()
    assert "Score: **2/10**" in md and "Sum instead of mean" in md
    assert "Not graded" in (tmp_path / "jon.md").read_text()
    page = (tmp_path / "cy.html").read_text()
    assert "default-src 'none'" in page and "<script" not in page


def test_student_names_cannot_escape_the_folder(tmp_path) -> None:
    rows = fixture_class.rows()[:1]
    rows[0]["student"] = "../../etc/passwd"
    out = tmp_path / "fb"
    files = write_per_student(rows, out)
    assert all(f.parent == out for f in files)


def test_cli_writes_the_report(tmp_path) -> None:
    results = fixture_class.write(tmp_path / "grades-1.2.jsonl")
    out = tmp_path / "report.html"
    r = CliRunner().invoke(main, ["report", str(results), "-o", str(out),
                                  "--per-student", str(tmp_path / "fb")])
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert len(list((tmp_path / "fb").glob("*.md"))) == len(fixture_class.TABLE)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"x": 1}\n{"y": 2}\n')
    r = CliRunner().invoke(main, ["report", str(bad), "-o", str(out)])
    assert r.exit_code == 2 and "not a result row" in r.output


def test_an_interrupted_last_line_is_skipped(tmp_path) -> None:
    results = fixture_class.write(tmp_path / "g.jsonl")
    with results.open("a") as f:
        f.write('{"student": "zed", "les')
    assert len(read_rows([results])) == len(fixture_class.TABLE)
    assert statistics.mean([1, 2]) == 1.5


def test_a_cut_last_line_is_skipped_with_a_warning_a_bad_middle_line_is_an_error(
        tmp_path) -> None:
    """A results file whose last line a SIGKILL cut in half: `grade report` reads the
    rest and says what it skipped (it used to refuse the file, exit 2); a bad line in the
    middle is still an error."""
    results = fixture_class.write(tmp_path / "g.jsonl")
    whole = results.read_text()
    results.write_text(whole + '{"student": "zed", "lesson": "1.2", "sco\n')
    warned: list[str] = []
    assert len(read_rows([results], warn=warned.append)) == len(fixture_class.TABLE)
    assert len(warned) == 1 and "line 11" in warned[0] and "cut short" in warned[0]
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["report", str(results), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "warning:" in r.output and "line 11" in r.output and out.is_file()
    lines = whole.splitlines(keepends=True)
    results.write_text("".join([*lines[:3], '{"student": "zed", "les\n', *lines[3:]]))
    r = CliRunner().invoke(main, ["report", str(results), "-o", str(out)])
    assert r.exit_code == 2 and "line 4: not JSON" in r.output


def test_per_student_file_names_never_collide_and_stay_readable(tmp_path) -> None:
    """`a b` and `a_b` used to share a_b.md, `José` was Jos.md and `Ω` student.md. Each
    student now has files of their own, named as they are where that is safe, with a
    short hash of the exact name where it had to change; index.json says whose is which."""
    import json

    names = ["a b", "a_b", "José", "Jose", "Ω", "李", "Ada", "ada", "../x", "x", ".", ""]
    template = fixture_class.rows()[0]
    rows = [{**template, "student": n} for n in names]
    out = tmp_path / "fb"
    files = write_per_student(rows, out)
    assert len(files) == 2 * len(names) == len({f.name.casefold() for f in files})
    assert all(f.parent == out for f in files)
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))["students"]
    assert set(index) == set(names)
    for name in names:
        md = (out / index[name]["md"]).read_text(encoding="utf-8")
        assert md.startswith(f"# Feedback for {name}\n")
        assert (out / index[name]["html"]).is_file()
    for kept in ("a_b", "José", "Jose", "Ω", "李", "x"):  # safe names stay as they are
        assert index[kept]["md"] == f"{kept}.md"
    assert re.fullmatch(r"a_b-[0-9a-f]{8}\.md", index["a b"]["md"])
    assert re.fullmatch(r"x-[0-9a-f]{8}\.md", index["../x"]["md"])
    assert re.fullmatch(r"student-[0-9a-f]{8}\.md", index[""]["md"])
    assert index["Ada"]["md"] != index["ada"]["md"]  # one file on a case-blind disk
    assert write_per_student(rows, tmp_path / "again") and \
        json.loads((tmp_path / "again" / "index.json").read_text()) == {"students": index}


def test_a_grader_error_is_no_attempt_once_the_student_is_graded() -> None:
    """A batch stopped or failed on some gradings grades them again on the next run, which
    appends: the grader's failure is no attempt of the student's (the report used to count
    two attempts and show the attempts section for a class graded once)."""
    rows = fixture_class.rows()
    jon_failed = rows[-1]
    assert jon_failed["status"] == "grader_error"
    jon = fixture_class.graded_row("jon", (1, 1, 0), 42)
    stats = lesson_stats([*rows, jon])
    assert stats.attempts["jon"] == 1 and max(stats.attempts.values()) == 1
    assert stats.scores["jon"] == 5 and stats.timeline is None
    assert stats.statuses.get("grader_error", 0) == 0
    html = render_report([*rows, jon])
    assert 'class="attempts"' not in html
    # graded, then failed on again: the real result stands
    assert lesson_stats([*rows[:-1], jon, jon_failed]).scores["jon"] == 5
    # failed twice, never graded: one problem, one attempt
    stats = lesson_stats([*rows, jon_failed])
    assert stats.attempts["jon"] == 1 and [p[:2] for p in stats.problems] == \
        [("jon", "grader_error")]


def test_an_ambiguous_student_is_listed_with_both_files() -> None:
    rows = fixture_class.rows()
    rows.append({"student": "carol", "lesson": "1.2", "score": 0, "max_score": 10,
                 "status": "ambiguous", "submission": "carol.py, carol/lr.py",
                 "error": "2 submissions for one student: carol.py, carol/lr.py; none "
                          "was graded: keep one (or rename the others) and run again"})
    stats = lesson_stats(rows)
    assert ("carol", "ambiguous") in [p[:2] for p in stats.problems]
    html = render_report(rows)
    assert "several submissions for one student" in html and "carol/lr.py" in html
