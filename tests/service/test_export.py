"""``grade report`` from the service's database, against the embedded PostgreSQL: every
graded attempt comes back as a report row with its times, in submission order; the
report's statistics on them equal those on the same rows from a file; an unreachable
database, one that is not the service's, or one with no result is a clear usage error."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from grader.cli import main
from grader.errors import UsageProblem
from grader.report.class_stats import lesson_stats
from grader.service.database import Submission, make_engine, psycopg_url
from grader.service.export import rows_from_database
from tests.report import fixture_class as fx
from tests.service.conftest import make_token

pytestmark = pytest.mark.slow  # starts a PostgreSQL: not the fast layer

RESULT_KEYS = ("lesson", "title", "submission", "score", "max_score", "seed", "duration_s",
               "sandbox", "checks", "mistakes", "notes", "output")


def _store(url: str, rows: list[dict], *, status: str = "graded") -> None:
    """``rows`` as the service keeps them: one submission each, graded a minute after it
    was made (the fixture's submitted_at)."""
    make_token(url, "someone")
    engine = make_engine(url)
    with psycopg.connect(psycopg_url(url)) as c:
        token_id = c.execute("SELECT id FROM tokens LIMIT 1").fetchone()[0]  # type: ignore[index]
    with Session(engine) as s, s.begin():
        for n, r in enumerate(rows):
            made = datetime.fromisoformat(r["submitted_at"])
            s.add(Submission(
                token_id=token_id, student=r["student"], lesson=r["lesson"],
                filename="linear_regression.py", content=b"x = 1\n", sha256=f"{n:064d}",
                status=status if r.get("status", "graded") == "graded" else "failed",
                result={k: r[k] for k in RESULT_KEYS if k in r}
                if r.get("status", "graded") == "graded" else None,
                error=r.get("error"), attempts=1, created_at=made,
                started_at=made, finished_at=made + timedelta(minutes=1)))
    engine.dispose()


def test_rows_from_the_database_are_the_attempts_with_their_times(db: str) -> None:
    rows = fx.attempt_rows()
    shuffled = rows[::-1]  # stored out of order: read back in submission order
    _store(db, shuffled)
    got = rows_from_database(db)
    graded = [r for r in rows if r.get("status") == "graded"]  # jon's first one failed
    assert [(r["student"], r["score"]) for r in got] == \
        [(r["student"], r["score"]) for r in graded]
    for g, want in zip(got, graded, strict=True):
        assert g["status"] == "graded" and g["checks"] == want["checks"]
        assert datetime.fromisoformat(g["submitted_at"]) == \
            datetime.fromisoformat(want["submitted_at"])
        assert datetime.fromisoformat(g["graded_at"]) - \
            datetime.fromisoformat(g["submitted_at"]) == timedelta(minutes=1)
    # the report's numbers on the database's rows equal those on the file's rows
    from_db, from_file = lesson_stats(got), lesson_stats(graded)
    assert from_db.timeline == from_file.timeline and from_db.timeline is not None
    assert from_db.attempts == from_file.attempts and from_db.scores == from_file.scores
    assert from_db.summary == from_file.summary


def test_lessons_are_chosen_and_an_empty_choice_is_a_usage_error(db: str) -> None:
    rows = fx.attempt_rows()
    other = [{**r, "lesson": "1.3"} for r in rows[:4]]
    _store(db, rows + other)
    assert {r["lesson"] for r in rows_from_database(db, ["1.3"])} == {"1.3"}
    assert len(rows_from_database(db, ["1.3"])) == 4
    assert {r["lesson"] for r in rows_from_database(db)} == {"1.2", "1.3"}
    with pytest.raises(UsageProblem, match="no graded submission of lesson"):
        rows_from_database(db, ["9.9"])


def test_queued_and_failed_attempts_are_not_rows(db: str) -> None:
    _store(db, fx.attempt_rows()[:3], status="queued")
    with pytest.raises(UsageProblem, match="no graded submission in the service's database"):
        rows_from_database(db)


def test_unreachable_or_foreign_databases_are_usage_errors(db: str) -> None:
    with pytest.raises(UsageProblem, match=r"cannot read.*u:\*\*\*@127\.0\.0\.1:1/x") as e:
        rows_from_database("postgresql://u:hunter2@127.0.0.1:1/x")
    assert "hunter2" not in str(e.value)
    with pytest.raises(UsageProblem, match="not a PostgreSQL URL"):
        rows_from_database("sqlite:///grades.db")
    with psycopg.connect(psycopg_url(db), autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS not_the_service")
        c.execute("CREATE DATABASE not_the_service")
    base, _, _ = psycopg_url(db).partition("?")
    other = base.rsplit("/", 1)[0] + "/not_the_service" + db[len(base):]
    with pytest.raises(UsageProblem, match="not the grading service's database"):
        rows_from_database(other)
    with psycopg.connect(psycopg_url(other)) as c:  # a report reads: it migrated nothing
        assert c.execute("SELECT to_regclass('public.submissions')").fetchone() == (None,)


def test_grade_report_from_the_database(db: str, tmp_path, monkeypatch) -> None:
    _store(db, fx.attempt_rows())
    out = tmp_path / "report.html"
    r = CliRunner().invoke(main, ["report", "--database", db, "--lesson", "1.2", "-o", str(out),
                                  "--per-student", str(tmp_path / "fb")])
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert 'class="timeline"' in html and 'data-stat="best_mean_final">7.5<' in html
    assert "the grading service&#39;s database" in html
    assert (tmp_path / "fb" / "cy.md").read_text().count("Score: **10/10**") == 1
    # --service: DATABASE_URL, as `grade serve` finds it
    monkeypatch.setenv("DATABASE_URL", db)
    r = CliRunner().invoke(main, ["report", "--service", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "15 result(s), 10 student(s)" in r.output  # jon's first attempt was not graded
    monkeypatch.delenv("DATABASE_URL")
    r = CliRunner().invoke(main, ["report", "--database", "postgresql://u:pw@127.0.0.1:1/x",
                                  "-o", str(out)])
    assert r.exit_code == 2 and "cannot read the service's database" in r.output
    assert "Traceback" not in r.output and "pw@" not in r.output


def test_grade_report_from_the_embedded_database(db: str, pg_data: Path, tmp_path,
                                                 monkeypatch) -> None:
    """--service without DATABASE_URL: the embedded PostgreSQL of --data, joined while
    it runs; a folder with no database is a usage error, not a new empty database."""
    _store(db, fx.attempt_rows())
    monkeypatch.delenv("DATABASE_URL", raising=False)
    out = tmp_path / "report.html"
    r = CliRunner().invoke(main, ["report", "--service", "--data", str(pg_data),
                                  "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert 'class="timeline"' in out.read_text()
    empty = tmp_path / "no-service"
    r = CliRunner().invoke(main, ["report", "--service", "--data", str(empty), "-o", str(out)])
    assert r.exit_code == 2 and "no service database in" in r.output
    assert not empty.exists()


def test_the_api_serves_the_same_rows(db: str) -> None:
    from fastapi.testclient import TestClient

    from grader.service.api import create_app
    from grader.service.settings import ServiceSettings

    _store(db, fx.attempt_rows())
    teacher = make_token(db, "teacher", "instructor")
    client = TestClient(create_app(ServiceSettings(database_url=db), db))
    text = client.get("/results.jsonl?lesson=1.2",
                      headers={"Authorization": f"Bearer {teacher}"}).text
    assert [json.loads(line) for line in text.splitlines()] == \
        json.loads(json.dumps(rows_from_database(db, ["1.2"])))
