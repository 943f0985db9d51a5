"""``grade submit``: upload a file to a grading service, follow it while it is queued and
running, and print the same report as a local ``grade``."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.errors import GraderFault, SubmissionError, UsageProblem

TOKEN_FILE = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") \
    / "training-loop-grader" / "token"


def find_token(given: str | None) -> str:
    token = given or os.environ.get("GRADE_TOKEN")
    if not token and TOKEN_FILE.is_file():
        token = TOKEN_FILE.read_text(encoding="utf-8").strip()
    if not token:
        raise UsageProblem(f"no token: set GRADE_TOKEN, or put it in {TOKEN_FILE}")
    return token


def _explain(resp: Any) -> str:
    try:
        detail = resp.json().get("detail")
    except ValueError:
        detail = resp.text[:300]
    retry = resp.headers.get("Retry-After")
    return f"{detail}" + (f" (try again in {retry} s)" if retry else "")


def submit(server: str, token: str, lesson: str, path: Path, *,
           on_status: Callable[[str], None], timeout_s: float = 1800) -> dict[str, Any]:
    """Upload ``path`` for ``lesson``; wait for its result; return the submission."""
    import httpx  # noqa: PLC0415

    headers = {"Authorization": f"Bearer {token}"}
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SubmissionError(f"cannot read {path}: {e.strerror}") from None
    with httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=60) as client:
        try:
            resp = client.post("/submissions", data={"lesson": lesson},
                               files={"file": (path.name, data)})
        except httpx.HTTPError as e:
            raise GraderFault(f"cannot reach {server}: {e}") from None
        if resp.status_code in (401, 403, 404, 413, 422, 429):
            raise UsageProblem(f"the server refused it ({resp.status_code}): {_explain(resp)}")
        if resp.status_code not in (200, 202):
            raise GraderFault(f"the server answered {resp.status_code}: {_explain(resp)}")
        sub = resp.json()
        deadline = time.monotonic() + timeout_s
        last = None
        while sub["status"] in ("queued", "running"):
            if sub["status"] != last:
                on_status(sub["status"])
                last = sub["status"]
            if time.monotonic() > deadline:
                raise GraderFault(f"no result after {timeout_s:.0f} s; submission {sub['id']} "
                                  "is still " + sub["status"])
            time.sleep(1.0)
            try:
                resp = client.get(f"/submissions/{sub['id']}")
            except httpx.HTTPError:
                continue  # the server restarting: the submission is safe in the database
            if resp.status_code == 200:
                sub = resp.json()
        return sub
