"""The job queue: procrastinate on the service's own PostgreSQL.

A submission's row and its job are written in one transaction (``defer_grading`` takes
the API's database connection), so neither exists without the other. Workers serve the
``cpu`` queue, or ``gpu`` when started with ``--gpu``. A worker that dies (``kill -9``)
stops sending heartbeats; after ``stalled_after_s`` another worker puts its job back in
the queue, and the job is graded again (one row per submission: one result).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TASK = "grade_submission"


def schema_sql() -> str:
    """procrastinate's schema, applied by ``database.migrate`` with our migrations."""
    import procrastinate  # noqa: PLC0415

    return (Path(procrastinate.__file__).parent / "sql" / "schema.sql").read_text()


def sync_app(conninfo: str) -> Any:
    """An app for deferring jobs from the (sync) API."""
    import procrastinate  # noqa: PLC0415

    return procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo))


def defer_grading(app: Any, connection: Any, submission_id: str, queue: str) -> int:
    """Queue the grading of ``submission_id`` on ``connection`` (the caller's transaction).

    The queueing lock makes a second job for the same submission impossible."""
    import procrastinate  # noqa: PLC0415

    job = procrastinate.jobs.Job(
        id=None, queue=queue, lock=f"submission-{submission_id}",
        queueing_lock=f"submission-{submission_id}", task_name=TASK,
        task_kwargs={"submission_id": submission_id})
    job = app.job_manager.defer_job(job=job, connection=connection)
    assert job.id is not None
    return job.id
