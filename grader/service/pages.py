"""The service's web pages: server-rendered (Jinja2) over the same app, no front-end build,
nothing loaded from outside (a Content-Security-Policy says so).

Students sign in with their token (an HttpOnly, SameSite=Strict session cookie; every
form carries a CSRF token), upload a file, watch it go from queued to running to graded
(a small script polls; without JavaScript the page refreshes itself) and read the same
feedback as the terminal. Instructors see the gradebook, the live queue, one student's
attempts and the class report of any lesson, rendered from the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, File, Form, HTTPException, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from grader.service.database import Submission, Token, WebSession, now
from grader.service.export import graded_query, rows_of
from grader.service.intake import accept
from grader.service.tokens import verify_token

COOKIE = "grader_session"
SESSION_HOURS = 12
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HERE = Path(__file__).resolve().parent


def _templates() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape  # noqa: PLC0415

    return Environment(loader=FileSystemLoader(HERE / "templates"),
                       autoescape=select_autoescape(["html", "j2"]))


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def make_router(svc: Any) -> APIRouter:
    router = APIRouter()
    env = _templates()

    def page(template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        body = env.get_template(template).render(lessons=svc.lessons, **ctx)
        return HTMLResponse(body, status_code=status, headers={
            "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})

    def db() -> Any:
        with Session(svc.engine) as s:
            yield s

    def signed_in(s: Session, session_id: str | None) -> tuple[Token, WebSession] | None:
        if not session_id:
            return None
        ws = s.get(WebSession, _hash(session_id))
        if ws is None or ws.expires_at < now():
            return None
        tok = s.get(Token, ws.token_id)
        if tok is None or tok.revoked_at is not None:
            return None
        return tok, ws

    def csrf_ok(ws: WebSession, given: str) -> None:
        if not hmac.compare_digest(ws.csrf, given or ""):
            raise HTTPException(403, "the form expired: reload the page and try again")

    @router.get("/", response_class=HTMLResponse)
    def home(s: Session = Depends(db),  # noqa: B008
             grader_session: Annotated[str | None, Cookie()] = None,
             message: str | None = None) -> Response:
        who = signed_in(s, grader_session)
        if who is None:
            return page("signin.html.j2", message=message)
        tok, ws = who
        rows = s.execute(select(Submission).where(Submission.token_id == tok.id)
                         .order_by(Submission.created_at.desc())).scalars().all()
        return page("student.html.j2", me=tok, csrf=ws.csrf, history=rows, message=message)

    @router.post("/signin")
    def signin(token: Annotated[str, Form()], s: Session = Depends(db)) -> Response:  # noqa: B008
        tok = verify_token(s, token)
        if tok is None:
            return page("signin.html.j2", status=401,
                        message="That token is not valid (expired, revoked or mistyped).")
        session_id = secrets.token_urlsafe(32)
        s.add(WebSession(id_hash=_hash(session_id), token_id=tok.id,
                         csrf=secrets.token_urlsafe(24), created_at=now(),
                         expires_at=now() + timedelta(hours=SESSION_HOURS)))
        s.commit()
        target = "/instructor" if tok.role == "instructor" else "/"
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(COOKIE, session_id, httponly=True, samesite="strict",
                        max_age=SESSION_HOURS * 3600, path="/")
        return resp

    @router.post("/signout")
    def signout(csrf: Annotated[str, Form()], s: Session = Depends(db),  # noqa: B008
                grader_session: Annotated[str | None, Cookie()] = None) -> Response:
        who = signed_in(s, grader_session)
        if who is not None:
            csrf_ok(who[1], csrf)
            s.delete(who[1])
            s.commit()
        resp = RedirectResponse("/", status_code=303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    @router.post("/upload")
    def upload(lesson: Annotated[str, Form()], file: Annotated[UploadFile, File()],
               csrf: Annotated[str, Form()], s: Session = Depends(db),  # noqa: B008
               grader_session: Annotated[str | None, Cookie()] = None) -> Response:
        who = signed_in(s, grader_session)
        if who is None:
            return page("signin.html.j2", status=401, message="Please sign in again.")
        tok, ws = who
        csrf_ok(ws, csrf)
        data = file.file.read(svc.settings.max_upload_bytes + 1)
        try:
            _, body = accept(svc, s, tok, lesson, file.filename or "", data)
        except HTTPException as e:
            s.rollback()
            retry = (e.headers or {}).get("Retry-After")
            msg = str(e.detail) + (f" You can try again in {retry} s." if retry else "")
            rows = s.execute(select(Submission).where(Submission.token_id == tok.id)
                             .order_by(Submission.created_at.desc())).scalars().all()
            return page("student.html.j2", status=e.status_code, me=tok, csrf=ws.csrf,
                        history=rows, error=msg)
        return RedirectResponse(f"/s/{body['id']}", status_code=303)

    @router.get("/s/{submission_id}", response_class=HTMLResponse)
    def submission(submission_id: str, s: Session = Depends(db),  # noqa: B008
                   grader_session: Annotated[str | None, Cookie()] = None) -> Response:
        who = signed_in(s, grader_session)
        if who is None:
            return page("signin.html.j2", status=401, message="Please sign in.")
        tok, ws = who
        sub = s.get(Submission, submission_id)
        if sub is None or (tok.role != "instructor" and sub.token_id != tok.id):
            return page("notfound.html.j2", status=404, me=tok, csrf=ws.csrf)
        return page("submission.html.j2", me=tok, csrf=ws.csrf, sub=sub,
                    pending=sub.status in ("queued", "running"))

    @router.get("/s/{submission_id}/status")
    def submission_status(submission_id: str, s: Session = Depends(db),  # noqa: B008
                          grader_session: Annotated[str | None, Cookie()] = None,
                          ) -> dict[str, Any]:
        """What the page's script polls (the session cookie, not a bearer token)."""
        who = signed_in(s, grader_session)
        sub = s.get(Submission, submission_id) if who else None
        if who is None or sub is None or (who[0].role != "instructor"
                                          and sub.token_id != who[0].id):
            raise HTTPException(404, "no such submission")
        return {"status": sub.status}

    # ------------------------------------------------------------------ instructors

    def instructor(s: Session, session_id: str | None) -> tuple[Token, WebSession]:
        who = signed_in(s, session_id)
        if who is None:
            raise HTTPException(401, "sign in first")
        if who[0].role != "instructor":
            raise HTTPException(403, "instructors only")
        return who

    @router.get("/instructor", response_class=HTMLResponse)
    def gradebook(lesson: str | None = None, student: str | None = None,
                  s: Session = Depends(db),  # noqa: B008
                  grader_session: Annotated[str | None, Cookie()] = None) -> Response:
        tok, ws = instructor(s, grader_session)
        q = select(Submission).where(Submission.status == "graded")
        if lesson:
            q = q.where(Submission.lesson == lesson)
        if student:
            q = q.where(Submission.student.ilike(f"%{student}%"))
        book: dict[tuple[str, str], dict[str, Any]] = {}
        for r in s.execute(q.order_by(Submission.created_at)).scalars():
            score = int((r.result or {}).get("score", 0))
            e = book.setdefault((r.student, r.lesson), {"student": r.student, "lesson": r.lesson,
                                                        "best": score, "attempts": 0,
                                                        "max": (r.result or {}).get("max_score")})
            e.update(latest=score, best=max(e["best"], score), attempts=e["attempts"] + 1)
        return page("gradebook.html.j2", me=tok, csrf=ws.csrf, rows=[book[k] for k in sorted(book)],
                    lesson=lesson or "", student=student or "")

    @router.get("/instructor/gradebook.csv")
    def gradebook_csv(lesson: str | None = None, s: Session = Depends(db),  # noqa: B008
                      grader_session: Annotated[str | None, Cookie()] = None) -> Response:
        instructor(s, grader_session)
        import csv  # noqa: PLC0415
        import io  # noqa: PLC0415

        q = select(Submission).where(Submission.status == "graded")
        if lesson:
            q = q.where(Submission.lesson == lesson)
        book: dict[tuple[str, str], list[int]] = {}
        for r in s.execute(q.order_by(Submission.created_at)).scalars():
            book.setdefault((r.student, r.lesson), []).append(int((r.result or {}).get("score", 0)))
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["student", "lesson", "latest", "best", "attempts"])
        for (student, les), scores in sorted(book.items()):
            w.writerow([student, les, scores[-1], max(scores), len(scores)])
        return PlainTextResponse(out.getvalue(), media_type="text/csv", headers={
            "Content-Disposition": 'attachment; filename="gradebook.csv"'})

    @router.get("/instructor/queue", response_class=HTMLResponse)
    def queue(s: Session = Depends(db),  # noqa: B008
              grader_session: Annotated[str | None, Cookie()] = None) -> Response:
        tok, ws = instructor(s, grader_session)
        pending = s.execute(select(Submission).where(Submission.status.in_(("queued", "running")))
                            .order_by(Submission.created_at)).scalars().all()
        workers = s.execute(text("SELECT id, last_heartbeat, extract(epoch FROM now() - "
                                 "last_heartbeat) FROM procrastinate_workers ORDER BY id")).all()
        return page("queue.html.j2", me=tok, csrf=ws.csrf, pending=pending, workers=workers)

    @router.get("/instructor/student/{name}", response_class=HTMLResponse)
    def one_student(name: str, s: Session = Depends(db),  # noqa: B008
                    grader_session: Annotated[str | None, Cookie()] = None) -> Response:
        tok, ws = instructor(s, grader_session)
        rows = s.execute(select(Submission).where(Submission.student == name)
                         .order_by(Submission.created_at.desc())).scalars().all()
        return page("student_attempts.html.j2", me=tok, csrf=ws.csrf, name=name, rows=rows)

    @router.get("/instructor/report/{lesson}", response_class=HTMLResponse)
    def report(lesson: str, s: Session = Depends(db),  # noqa: B008
               grader_session: Annotated[str | None, Cookie()] = None) -> Response:
        instructor(s, grader_session)
        from grader.report.class_report import CSP as REPORT_CSP  # noqa: PLC0415
        from grader.report.class_report import render_report  # noqa: PLC0415

        rows = rows_of(s.execute(graded_query([lesson])).all())
        if not rows:
            raise HTTPException(404, f"no graded submission of lesson {lesson} yet")
        return HTMLResponse(render_report(rows, sources="the service's database"),
                            headers={"Content-Security-Policy": REPORT_CSP})

    @router.get("/static/{name}")
    def static(name: str) -> Response:
        files = {"poll.js": "text/javascript", "style.css": "text/css"}
        if name not in files:
            raise HTTPException(404, "no such file")
        return Response((HERE / "static" / name).read_bytes(), media_type=files[name],
                        headers={"Cache-Control": "max-age=3600"})

    return router
