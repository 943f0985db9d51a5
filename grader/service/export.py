"""The service's results as ``grade report``'s rows: every graded attempt, in the order it
was submitted, as ``{"student", "status": "graded", **GradeResult, "submitted_at",
"graded_at"}``: the rows ``grade batch`` writes, plus when the attempt was made, so the
report can show attempts per student and a timeline.

``rows_from_database`` reads them for ``grade report --database URL`` (or ``--service``),
read-only; ``GET /results.jsonl`` and the instructor's report page serve the same rows.
Attempts that were not graded (a file that could not be read, a system error to resubmit)
are left out, as in the gradebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select

from grader.errors import GraderFault, UsageProblem
from grader.service.database import Submission, sqlalchemy_url

CONNECT_TIMEOUT_S = 5


def _iso(t: datetime | None) -> str | None:
    return t.isoformat(timespec="milliseconds") if t else None


def result_row(student: str, result: dict[str, Any], submitted_at: datetime | None,
               graded_at: datetime | None) -> dict[str, Any]:
    """One graded attempt as a report row."""
    return {"student": student, "status": "graded", **result,
            "submitted_at": _iso(submitted_at), "graded_at": _iso(graded_at)}


def graded_query(lessons: Sequence[str] = ()) -> Select[Any]:
    """The graded attempts (of ``lessons``, when given), oldest first; the columns
    ``result_row`` needs, not the submitted files."""
    q = select(Submission.student, Submission.result, Submission.created_at,
               Submission.finished_at).where(Submission.status == "graded")
    if lessons:
        q = q.where(Submission.lesson.in_(list(lessons)))
    return q.order_by(Submission.created_at, Submission.id)


def rows_of(records: Any) -> list[dict[str, Any]]:
    """Report rows from ``graded_query``'s result."""
    return [result_row(student, result, created, finished)
            for student, result, created, finished in records if result]


def _shown(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL too broken to parse is shown as nothing
        return "the database URL"


def rows_from_database(url: str, lessons: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every graded attempt in the service's database at ``url`` (of ``lessons``, when
    given), oldest first. Reads only: a read-only transaction, no migration.

    Raises UsageProblem, naming the database without its password, when it cannot be
    reached, is not the service's database, or holds no graded attempt."""
    from sqlalchemy import create_engine  # noqa: PLC0415
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError  # noqa: PLC0415
    from sqlalchemy.pool import NullPool  # noqa: PLC0415

    where = _shown(url)
    if not sqlalchemy_url(url).startswith("postgresql+psycopg://"):
        raise UsageProblem(f"not a PostgreSQL URL: {where} (the service's database is "
                           "postgresql://user:password@host/database)")
    try:
        engine = create_engine(sqlalchemy_url(url), poolclass=NullPool,
                               connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    except (ArgumentError, NoSuchModuleError, ValueError) as e:
        raise UsageProblem(f"not a usable PostgreSQL URL: {where} ({e})") from None
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(postgresql_readonly=True)
            try:
                records = conn.execute(graded_query(lessons)).all()
            except DBAPIError as e:
                if "submissions" in str(e.orig) and "does not exist" in str(e.orig):
                    raise UsageProblem(f"{where} is not the grading service's database (it "
                                       "has no submissions table)") from None
                raise
    except DBAPIError as e:
        reason = str(e.orig).strip().splitlines()[0] if e.orig else type(e).__name__
        raise UsageProblem(f"cannot read the service's database {where}: {reason}") from None
    finally:
        engine.dispose()
    rows = rows_of(records)
    if not rows:
        which = f" of lesson(s) {', '.join(lessons)}" if lessons else ""
        raise UsageProblem(f"no graded submission{which} in the service's database {where}")
    return rows


def service_database_url(database: str | None, data_dir: Path | None) -> str:
    """The database ``grade serve`` uses: ``database`` when given, else DATABASE_URL, else
    the embedded one in ``data_dir`` (the default data folder when None), which must exist
    already (a report does not make an empty one)."""
    if database:
        return database
    from grader.service.embedded import embedded_url  # noqa: PLC0415
    from grader.service.settings import ServiceSettings  # noqa: PLC0415

    settings = ServiceSettings.from_env(data_dir=data_dir)
    if settings.database_url:
        return settings.database_url
    if not (settings.data_dir / "pg").is_dir():
        raise UsageProblem(f"no service database in {settings.data_dir} (`grade serve --data "
                           "DIR` keeps it there): give --data DIR, --database URL or "
                           "DATABASE_URL")
    try:
        return embedded_url(settings.data_dir)
    except GraderFault as e:
        raise UsageProblem(str(e)) from None
    except Exception as e:  # noqa: BLE001 - the embedded server would not start
        raise UsageProblem(f"cannot start the service's database in {settings.data_dir}: "
                           f"{type(e).__name__}: {e}") from None
