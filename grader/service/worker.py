"""``grade worker``: take grading jobs from the queue and grade them on warm sandbox workers.

Many worker processes on many machines can share one database. A job that fails for
infrastructure reasons (the grader, the sandbox) is retried up to ``max_attempts`` times,
then marked ``failed`` with "system error, resubmit without penalty"; a student's timeout
or crash is a result, never retried. Each worker also watches for workers that stopped
sending heartbeats (killed, machine lost) and puts their jobs back in the queue.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grader.errors import GraderError
from grader.service.database import Submission, make_engine, now, psycopg_url
from grader.service.queue import TASK
from grader.service.settings import ServiceSettings

log = logging.getLogger("grader.service.worker")
SYSTEM_ERROR = "system error, resubmit without penalty"


def _claim(engine: Engine, submission_id: str, name: str) -> Submission | None:
    """Mark the submission running (one more attempt); None when it is already done."""
    with Session(engine) as s, s.begin():
        sub = s.execute(select(Submission).where(Submission.id == submission_id)
                        .with_for_update()).scalar_one_or_none()
        if sub is None or sub.status in ("graded", "failed"):
            return None
        sub.status, sub.started_at, sub.worker = "running", now(), name
        sub.attempts += 1
        s.flush()
        s.expunge(sub)
        return sub


def _finish(engine: Engine, submission_id: str, **values: Any) -> None:
    with Session(engine) as s, s.begin():
        s.execute(update(Submission).where(Submission.id == submission_id)
                  .where(Submission.status == "running")
                  .values(finished_at=now(), **values))


def grade_one(engine: Engine, backend: Any, settings: ServiceSettings, submission_id: str,
              name: str) -> None:
    """Grade one submission and store its result (the body of the queue's task)."""
    from grader.course.lessons import get_lesson  # noqa: PLC0415
    from grader.grading.engine import grade_file  # noqa: PLC0415 - imports torch
    from grader.grading.submission import SubmissionError  # noqa: PLC0415

    sub = _claim(engine, submission_id, name)
    if sub is None:
        return
    try:
        lesson = get_lesson(sub.lesson)
        suffix = Path(sub.filename).suffix
        with tempfile.TemporaryDirectory(prefix="submission-") as d:
            path = Path(d) / f"{lesson.spec.lesson.stem}{suffix}"
            path.write_bytes(sub.content)
            result = grade_file(lesson, path, sandbox=backend)
    except SubmissionError as e:  # the file itself: a result for the student, not retried
        _finish(engine, submission_id, status="failed", error=f"your file: {e}")
    except Exception as e:  # noqa: BLE001 - the grader's or the machine's fault
        why = str(e) if isinstance(e, GraderError) else f"{type(e).__name__}: {e}"
        if sub.attempts >= settings.max_attempts:
            _finish(engine, submission_id, status="failed",
                    error=f"{SYSTEM_ERROR} (after {sub.attempts} attempts: {why})")
            return
        with Session(engine) as s, s.begin():
            s.execute(update(Submission).where(Submission.id == submission_id)
                      .values(status="queued", error=f"attempt {sub.attempts} failed: {why}"))
        raise  # procrastinate retries it
    else:
        _finish(engine, submission_id, status="graded", error=None,
                result=result.model_dump(mode="json"))


async def _recover_stalled(app: Any, engine: Engine, settings: ServiceSettings) -> None:
    """Put the jobs of workers that stopped sending heartbeats back in the queue."""
    while True:
        try:
            stalled = await app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=settings.stalled_after_s)
            for job in stalled:
                log.warning("job %s of a silent worker goes back to the queue", job.id)
                await app.job_manager.retry_job(job)
                sid = job.task_kwargs.get("submission_id")
                if sid:
                    with Session(engine) as s, s.begin():
                        s.execute(update(Submission).where(Submission.id == sid)
                                  .where(Submission.status == "running")
                                  .values(status="queued"))
            await app.job_manager.prune_stalled_workers(
                seconds_since_heartbeat=settings.stalled_after_s)
        except Exception:  # noqa: BLE001 - a hiccup of the database: try again later
            log.exception("stalled-job recovery failed; trying again")
        await asyncio.sleep(settings.heartbeat_s)


def run_worker(settings: ServiceSettings, url: str, *, queue: str = "cpu", jobs: int = 2,
               sandbox: str = "auto", name: str | None = None) -> None:
    """Serve ``queue`` until stopped (SIGTERM/SIGINT finish the current jobs)."""
    import procrastinate  # noqa: PLC0415

    from grader.sandbox import get_backend  # noqa: PLC0415

    name = name or f"{socket.gethostname()}:{os.getpid()}"
    engine = make_engine(url)
    backend = get_backend(sandbox, warm=True, workers=jobs)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=psycopg_url(url)))

    @app.task(name=TASK, retry=procrastinate.RetryStrategy(
        max_attempts=settings.max_attempts + 1, wait=1))
    def grade_submission(submission_id: str) -> None:
        grade_one(engine, backend, settings, submission_id, name)

    async def main() -> None:
        async with app.open_async():
            watcher = asyncio.create_task(_recover_stalled(app, engine, settings))
            try:
                await app.run_worker_async(
                    queues=[queue], concurrency=jobs, name=name,
                    update_heartbeat_interval=settings.heartbeat_s,
                    stalled_worker_timeout=settings.stalled_after_s,
                    fetch_job_polling_interval=1.0)
            finally:
                watcher.cancel()

    log.info("worker %s serving queue %s with %d job(s) at a time", name, queue, jobs)
    asyncio.run(main())
