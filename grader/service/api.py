"""The service's HTTP API (FastAPI): submissions, their results, the gradebook, health.

Every promise is enforced here, before anything is queued: a token (401), a lesson that
exists (404), a file that is not too big (413) and is Python or a readable Python notebook
(422), one pending submission per student and lesson and an hourly budget per token
(429 with Retry-After). A submission's row and its grading job are written in one
transaction. The same ``Idempotency-Key`` (or the same bytes for the same student and
lesson while pending) returns the same submission, never a second job. A student sees
only their own submissions; another's is a 404.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, Header, HTTPException, Query, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grader.service.database import PENDING, Submission, Token, make_engine, now
from grader.service.queue import defer_grading, sync_app
from grader.service.settings import ServiceSettings
from grader.service.tokens import create_token, verify_token

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


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(status_code=status, detail=detail, headers=headers)


def create_app(settings: ServiceSettings, url: str) -> FastAPI:
    svc = Service(settings, url)
    app = FastAPI(title="Training-loop grader", version="1",
                  description="Submit exercises of the course and read their grading.")
    app.state.service = svc

    def session() -> Any:
        with Session(svc.engine) as s:
            yield s

    def caller(authorization: Annotated[str | None, Header()] = None,
               s: Session = Depends(session)) -> Token:  # noqa: B008
        if not authorization or not authorization.lower().startswith("bearer "):
            raise _error(401, "a token is needed: Authorization: Bearer TOKEN",
                         {"WWW-Authenticate": "Bearer"})
        tok = verify_token(s, authorization.split(None, 1)[1])
        if tok is None:
            raise _error(401, "this token is not valid (revoked, mistyped or from another "
                              "server)", {"WWW-Authenticate": "Bearer"})
        return tok

    def instructor(tok: Token = Depends(caller)) -> Token:  # noqa: B008
        if tok.role != "instructor":
            raise _error(403, "instructors only")
        return tok

    @app.get("/health")
    def health() -> dict[str, str]:
        try:
            with svc.engine.connect() as c:
                c.execute(text("SELECT 1"))
        except Exception as e:  # noqa: BLE001 - any failure means not healthy
            raise _error(503, f"the database does not answer: {type(e).__name__}") from None
        return {"status": "ok"}

    @app.get("/lessons")
    def lessons() -> list[dict[str, Any]]:
        return [{"id": les.id, "title": les.spec.lesson.title, "stem": les.spec.lesson.stem,
                 "max_score": les.spec.max_score} for les in svc.lessons.values()]

    @app.post("/submissions", status_code=202)
    def submit(lesson: Annotated[str, Form()], file: Annotated[UploadFile, File()],
               student: Annotated[str | None, Form()] = None,
               idempotency_key: Annotated[str | None, Header()] = None,
               tok: Token = Depends(caller),  # noqa: B008
               s: Session = Depends(session)) -> JSONResponse:  # noqa: B008
        if lesson not in svc.lessons:
            raise _error(404, f"no lesson {lesson!r} (lessons: {', '.join(svc.lessons)})")
        les = svc.lessons[lesson]
        name = file.filename or ""
        if not name.endswith(SUFFIXES):
            raise _error(422, f"{name or 'the file'}: expected a .py file or a .ipynb notebook")
        data = file.file.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise _error(413, f"the file is over the {settings.max_upload_bytes}-byte limit")
        _check_content(name, data)
        who = tok.name
        if tok.role == "course":  # CI submits on behalf of a student
            if not student:
                raise _error(422, "a course token submits for a student: add the field "
                                  "'student'")
            who = student
        digest = hashlib.sha256(data).hexdigest()
        # the caller's token was read in this session's transaction: go on in it
        # serialise one token's submissions, so two racing uploads cannot both pass
        s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                  {"k": f"{tok.id}:{who}"})
        if idempotency_key:
            same = s.execute(select(Submission).where(
                Submission.token_id == tok.id,
                Submission.idempotency_key == idempotency_key)).scalar_one_or_none()
            if same is not None:
                return JSONResponse(same.public(), status_code=200)
        pending = s.execute(select(Submission).where(
            Submission.student == who, Submission.lesson == lesson,
            Submission.status.in_(PENDING))).scalars().first()
        if pending is not None:
            if pending.sha256 == digest:
                return JSONResponse(pending.public(), status_code=200)
            raise _error(429, f"your submission {pending.id} for lesson {lesson} is "
                              f"still {pending.status}: wait for its result",
                         {"Retry-After": str(settings.pending_retry_after_s)})
        hour_ago = now() - timedelta(hours=1)
        recent = s.execute(select(Submission.created_at).where(
            Submission.token_id == tok.id, Submission.created_at > hour_ago)
            .order_by(Submission.created_at)).scalars().all()
        if len(recent) >= settings.hourly_budget:
            wait = int((recent[0] + timedelta(hours=1) - now()).total_seconds()) + 1
            raise _error(429, f"{settings.hourly_budget} submissions an hour at most",
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
        return JSONResponse(body, status_code=202)

    @app.get("/submissions/{submission_id}")
    def get_submission(submission_id: str, tok: Token = Depends(caller),  # noqa: B008
                       s: Session = Depends(session)) -> dict[str, Any]:  # noqa: B008
        sub = s.get(Submission, submission_id)
        if sub is None or (tok.role != "instructor" and sub.token_id != tok.id):
            raise _error(404, "no such submission")  # someone else's looks absent too
        return sub.public()

    @app.get("/submissions")
    def list_submissions(lesson: str | None = None, tok: Token = Depends(caller),  # noqa: B008
                         s: Session = Depends(session)) -> list[dict[str, Any]]:  # noqa: B008
        q = select(Submission).where(Submission.token_id == tok.id)
        if lesson:
            q = q.where(Submission.lesson == lesson)
        rows = s.execute(q.order_by(Submission.created_at)).scalars().all()
        return [{k: v for k, v in r.public().items() if k != "result"} |
                {"score": (r.result or {}).get("score"),
                 "max_score": (r.result or {}).get("max_score")} for r in rows]

    @app.get("/gradebook")
    def gradebook(lesson: str | None = None,
                  format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
                  _: Token = Depends(instructor),  # noqa: B008
                  s: Session = Depends(session)) -> Any:  # noqa: B008
        q = select(Submission).where(Submission.status == "graded")
        if lesson:
            q = q.where(Submission.lesson == lesson)
        book: dict[tuple[str, str], dict[str, Any]] = {}
        for r in s.execute(q.order_by(Submission.created_at)).scalars():
            score = int((r.result or {}).get("score", 0))
            entry = book.setdefault((r.student, r.lesson), {
                "student": r.student, "lesson": r.lesson, "attempts": 0, "best": score,
                "max_score": (r.result or {}).get("max_score")})
            entry.update(attempts=entry["attempts"] + 1, latest=score,
                         best=max(entry["best"], score), latest_id=r.id)
        rows = [book[k] for k in sorted(book)]
        if format == "csv":
            out = io.StringIO()
            w = csv.writer(out)
            w.writerow(["student", "lesson", "latest", "best", "max_score", "attempts"])
            for r in rows:
                w.writerow([r["student"], r["lesson"], r["latest"], r["best"], r["max_score"],
                            r["attempts"]])
            return PlainTextResponse(out.getvalue(), media_type="text/csv")
        return rows

    @app.get("/results.jsonl")
    def results_jsonl(lesson: str, _: Token = Depends(instructor),  # noqa: B008
                      s: Session = Depends(session)) -> PlainTextResponse:  # noqa: B008
        """Every graded attempt of ``lesson`` as result rows: `grade report` reads them."""
        rows = s.execute(select(Submission).where(
            Submission.lesson == lesson, Submission.status == "graded")
            .order_by(Submission.created_at)).scalars().all()
        text_ = "".join(json.dumps({"student": r.student, "status": "graded", **r.result,
                                    "graded_at": r.finished_at.isoformat()
                                    if r.finished_at else None}) + "\n"
                        for r in rows if r.result)
        return PlainTextResponse(text_, media_type="application/jsonl")

    @app.post("/tokens", status_code=201)
    def make_tokens(roster: Annotated[UploadFile, File()],
                    role: Annotated[str, Form()] = "student",
                    _: Token = Depends(instructor),  # noqa: B008
                    s: Session = Depends(session)) -> PlainTextResponse:  # noqa: B008
        """Tokens for a roster (a CSV whose first column is the name): name,token lines."""
        if role not in ("student", "course"):
            raise _error(422, "role must be student or course")
        names = [row[0].strip() for row in csv.reader(io.StringIO(
            roster.file.read(1_000_000).decode("utf-8", "replace"))) if row and row[0].strip()]
        if names and names[0].lower() in ("name", "student"):
            names = names[1:]
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["name", "token"])
        for name in names:
            w.writerow([name, create_token(s, name, role)])
        s.commit()
        return PlainTextResponse(out.getvalue(), status_code=201, media_type="text/csv")

    @app.get("/status")
    def status(s: Session = Depends(session)) -> dict[str, Any]:  # noqa: B008
        counts = dict(s.execute(select(Submission.status, func.count())
                                .group_by(Submission.status)).all())
        workers = s.execute(text(
            "SELECT id, last_heartbeat, extract(epoch FROM now() - last_heartbeat) "
            "FROM procrastinate_workers ORDER BY id")).all()
        running = s.execute(select(Submission.worker).where(
            Submission.status == "running")).scalars().all()
        return {"queued": counts.get("queued", 0), "running": counts.get("running", 0),
                "graded": counts.get("graded", 0), "failed": counts.get("failed", 0),
                "running_on": sorted(w for w in running if w),
                "workers": [{"id": w[0], "last_heartbeat": w[1].isoformat() if w[1] else None,
                             "seconds_since_heartbeat": round(float(w[2] or 0), 1)}
                            for w in workers]}

    return app


def _check_content(name: str, data: bytes) -> None:
    """422 for a file that is not UTF-8 text, or not a readable Python notebook."""
    try:
        text_ = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _error(422, f"{name} is not UTF-8 text") from None
    if name.endswith(".ipynb"):
        import nbformat  # noqa: PLC0415

        try:
            nb = nbformat.reads(text_, as_version=4)
        except Exception as e:  # noqa: BLE001 - nbformat raises many kinds
            raise _error(422, f"{name} is not a readable notebook: {str(e)[:200]}") from None
        language = nb.metadata.get("kernelspec", {}).get("language", "python")
        if language and str(language).lower() != "python":
            raise _error(422, f"{name} is a {language} notebook; a Python one is needed")
