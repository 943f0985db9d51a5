"""Taking a submission in: the one path both the API and the web pages use.

Everything is checked before anything is queued: a lesson that exists (404), a file not
too big (413) that is Python or a readable Python notebook (422), one pending submission
per student and lesson and an hourly budget per token (429 with Retry-After). The row and
its grading job are committed in one transaction; the same ``Idempotency-Key`` (or the
same bytes for the same student and lesson while pending) gives the same submission.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from fastapi import HTTPException
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grader.service.database import PENDING, Submission, Token, make_engine, now
from grader.service.queue import defer_grading, sync_app
from grader.service.settings import ServiceSettings

SUFFIXES = (".py", ".ipynb")


class Service:
    """What the endpoints share: settings, the engine, the queue's app, the lessons."""

    def __init__(self, settings: ServiceSettings, url: str) -> None:
        from grader.course.lessons import all_lessons  # noqa: PLC0415

        self.settings = settings
        self.engine: Engine = make_engine(url)
        self.queue = sync_app(url.replace("postgresql+psycopg://", "postgresql://", 1))
        self.queue.open()
        self.lessons = {les.id: les for les in all_lessons() if not les.is_public}
        self.gpu_lessons: set[str] = set()


def http_error(status: int, detail: str, headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(status_code=status, detail=detail, headers=headers)


def accept(svc: Service, s: Session, tok: Token, lesson: str, name: str, data: bytes,
           student: str | None = None, idempotency_key: str | None = None,
           ) -> tuple[int, dict[str, Any]]:
    """Take one upload: (202, the new submission) or (200, the same one again), or an
    HTTPException that changes nothing. The API and the pages both come here."""
    settings = svc.settings
    if lesson not in svc.lessons:
        raise http_error(404, f"no lesson {lesson!r} (lessons: {', '.join(svc.lessons)})")
    les = svc.lessons[lesson]
    if not name.endswith(SUFFIXES):
        raise http_error(422, f"{name or 'the file'}: expected a .py file or a .ipynb notebook")
    if len(data) > settings.max_upload_bytes:
        raise http_error(413, f"the file is over the {settings.max_upload_bytes}-byte limit")
    _check_content(name, data)
    who = tok.name
    if tok.role == "course":  # CI submits on behalf of a student
        if not student:
            raise http_error(422, "a course token submits for a student: add the field "
                              "'student'")
        who = student
    digest = hashlib.sha256(data).hexdigest()
    # serialise one token's submissions, so two racing uploads cannot both pass
    s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"{tok.id}:{who}"})
    if idempotency_key:
        same = s.execute(select(Submission).where(
            Submission.token_id == tok.id,
            Submission.idempotency_key == idempotency_key)).scalar_one_or_none()
        if same is not None:
            return 200, same.public()
    pending = s.execute(select(Submission).where(
        Submission.student == who, Submission.lesson == lesson,
        Submission.status.in_(PENDING))).scalars().first()
    if pending is not None:
        if pending.sha256 == digest:
            return 200, pending.public()
        raise http_error(429, f"your submission {pending.id} for lesson {lesson} is still "
                          f"{pending.status}: wait for its result",
                     {"Retry-After": str(settings.pending_retry_after_s)})
    hour_ago = now() - timedelta(hours=1)
    recent = s.execute(select(Submission.created_at).where(
        Submission.token_id == tok.id, Submission.created_at > hour_ago)
        .order_by(Submission.created_at)).scalars().all()
    if len(recent) >= settings.hourly_budget:
        wait = int((recent[0] + timedelta(hours=1) - now()).total_seconds()) + 1
        raise http_error(429, f"{settings.hourly_budget} submissions an hour at most",
                     {"Retry-After": str(max(wait, 1))})
    sub = Submission(token_id=tok.id, student=who, lesson=lesson,
                     filename=f"{les.spec.lesson.stem}{name[name.rfind('.'):]}",
                     content=data, sha256=digest, idempotency_key=idempotency_key,
                     status="queued", attempts=0, created_at=now())
    s.add(sub)
    s.flush()
    raw = s.connection().connection.driver_connection
    defer_grading(svc.queue, raw, sub.id, "gpu" if lesson in svc.gpu_lessons else "cpu")
    body = {"id": sub.id, "status": "queued", "lesson": lesson}
    s.commit()  # the row and its job, together
    return 202, body


def _check_content(name: str, data: bytes) -> None:
    """422 for a file that is not UTF-8 text, or not a readable Python notebook."""
    try:
        text_ = data.decode("utf-8")
    except UnicodeDecodeError:
        raise http_error(422, f"{name} is not UTF-8 text") from None
    if name.endswith(".ipynb"):
        import nbformat  # noqa: PLC0415

        try:
            nb = nbformat.reads(text_, as_version=4)
        except Exception as e:  # noqa: BLE001 - nbformat raises many kinds
            raise http_error(422, f"{name} is not a readable notebook: {str(e)[:200]}") from None
        language = nb.metadata.get("kernelspec", {}).get("language", "python")
        if language and str(language).lower() != "python":
            raise http_error(422, f"{name} is a {language} notebook; a Python one is needed")
