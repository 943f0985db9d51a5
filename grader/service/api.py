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
import io
import json
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, Header, Query, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from grader.service.database import Submission, Token
from grader.service.export import graded_query, rows_of
from grader.service.intake import Service, accept, http_error
from grader.service.pages import make_router
from grader.service.settings import ServiceSettings
from grader.service.tokens import create_token, verify_token


def create_app(settings: ServiceSettings, url: str) -> FastAPI:
    svc = Service(settings, url)
    app = FastAPI(title="Training-loop grader", version="1",
                  description="Submit exercises of the course and read their grading.")
    app.state.service = svc
    app.include_router(make_router(svc))

    def session() -> Any:
        with Session(svc.engine) as s:
            yield s

    def caller(authorization: Annotated[str | None, Header()] = None,
               s: Session = Depends(session)) -> Token:  # noqa: B008
        if not authorization or not authorization.lower().startswith("bearer "):
            raise http_error(401, "a token is needed: Authorization: Bearer TOKEN",
                         {"WWW-Authenticate": "Bearer"})
        tok = verify_token(s, authorization.split(None, 1)[1])
        if tok is None:
            raise http_error(401, "this token is not valid (revoked, mistyped or from another "
                              "server)", {"WWW-Authenticate": "Bearer"})
        return tok

    def instructor(tok: Token = Depends(caller)) -> Token:  # noqa: B008
        if tok.role != "instructor":
            raise http_error(403, "instructors only")
        return tok

    @app.get("/health")
    def health() -> dict[str, str]:
        try:
            with svc.engine.connect() as c:
                c.execute(text("SELECT 1"))
        except Exception as e:  # noqa: BLE001 - any failure means not healthy
            raise http_error(503, f"the database does not answer: {type(e).__name__}") from None
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
        data = file.file.read(settings.max_upload_bytes + 1)
        code, body = accept(svc, s, tok, lesson, file.filename or "", data, student,
                            idempotency_key)
        return JSONResponse(body, status_code=code)

    @app.get("/submissions/{submission_id}")
    def get_submission(submission_id: str, tok: Token = Depends(caller),  # noqa: B008
                       s: Session = Depends(session)) -> dict[str, Any]:  # noqa: B008
        sub = s.get(Submission, submission_id)
        if sub is None or (tok.role != "instructor" and sub.token_id != tok.id):
            raise http_error(404, "no such submission")  # someone else's looks absent too
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
        rows = rows_of(s.execute(graded_query([lesson])).all())
        return PlainTextResponse("".join(json.dumps(r) + "\n" for r in rows),
                                 media_type="application/jsonl")

    @app.post("/tokens", status_code=201)
    def make_tokens(roster: Annotated[UploadFile, File()],
                    role: Annotated[str, Form()] = "student",
                    _: Token = Depends(instructor),  # noqa: B008
                    s: Session = Depends(session)) -> PlainTextResponse:  # noqa: B008
        """Tokens for a roster (a CSV whose first column is the name): name,token lines."""
        if role not in ("student", "course"):
            raise http_error(422, "role must be student or course")
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


