"""The service's API against a real PostgreSQL (no worker: jobs stay queued): tokens,
bad input that changes nothing, idempotency, rate limits, privacy, the gradebook."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from grader.service.api import create_app
from grader.service.settings import ServiceSettings
from tests.service.conftest import ROOT, counts, make_token

REFERENCE = (ROOT / "reference" / "1.2" / "solution.py").read_bytes()
pytestmark = pytest.mark.slow  # starts a PostgreSQL: not the fast layer


@pytest.fixture
def client(db: str) -> TestClient:
    settings = ServiceSettings(database_url=db, max_upload_bytes=200_000, hourly_budget=5)
    return TestClient(create_app(settings, db))


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _submit(client: TestClient, token: str, data: bytes = REFERENCE, name: str = "x.py",
            lesson: str = "1.2", **headers: str):  # noqa: ANN202
    return client.post("/submissions", data={"lesson": lesson}, files={"file": (name, data)},
                       headers={**_auth(token), **headers})


def test_health_and_lessons(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert "1.2" in {x["id"] for x in client.get("/lessons").json()}


def test_a_submission_and_its_job_are_made_together(client: TestClient, db: str) -> None:
    ada = make_token(db, "ada")
    r = _submit(client, ada)
    assert r.status_code == 202 and r.json()["status"] == "queued"
    assert counts(db) == (1, 1)
    got = client.get(f"/submissions/{r.json()['id']}", headers=_auth(ada)).json()
    assert {k: got[k] for k in ("id", "lesson", "status", "result")} == \
        {"id": r.json()["id"], "lesson": "1.2", "status": "queued", "result": None}
    assert got["queued_at"] and got["started_at"] is None


@pytest.mark.parametrize("case,status", [
    ("no token", 401), ("bad token", 401), ("unknown lesson", 404), ("too big", 413),
    ("wrong extension", 422), ("broken notebook", 422), ("binary", 422),
])
def test_bad_input_is_refused_and_changes_nothing(client: TestClient, db: str, case: str,
                                                  status: int) -> None:
    ada = make_token(db, "ada")
    if case == "no token":
        r = client.post("/submissions", data={"lesson": "1.2"}, files={"file": ("x.py", b"")})
    elif case == "bad token":
        r = _submit(client, ada[:-2] + "xx")
    elif case == "unknown lesson":
        r = _submit(client, ada, lesson="9.9")
    elif case == "too big":
        r = _submit(client, ada, data=b"#" * 300_000)
    elif case == "wrong extension":
        r = _submit(client, ada, name="x.txt")
    elif case == "broken notebook":
        r = _submit(client, ada, data=b"{not json", name="x.ipynb")
    else:
        r = _submit(client, ada, data=b"\xff\xfe\x00", name="x.py")
    assert r.status_code == status, r.text
    assert r.json()["detail"]
    assert counts(db) == (0, 0)


def test_idempotency_and_one_pending_per_lesson(client: TestClient, db: str) -> None:
    ada = make_token(db, "ada")
    first = _submit(client, ada, **{"Idempotency-Key": "k1"}).json()
    again = _submit(client, ada, **{"Idempotency-Key": "k1"})
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    same_bytes = _submit(client, ada)
    assert same_bytes.status_code == 200 and same_bytes.json()["id"] == first["id"]
    other = _submit(client, ada, data=REFERENCE + b"\n# changed\n")
    assert other.status_code == 429 and int(other.headers["Retry-After"]) > 0
    assert counts(db) == (1, 1)
    assert _submit(client, ada, lesson="1.3").status_code == 202  # another lesson is fine


def test_hourly_budget(client: TestClient, db: str) -> None:
    ada = make_token(db, "ada")
    import psycopg

    from grader.service.database import psycopg_url

    for i in range(5):
        assert _submit(client, ada, data=REFERENCE + f"\n# {i}\n".encode()).status_code == 202
        with psycopg.connect(psycopg_url(db), autocommit=True) as c:  # graded meanwhile
            c.execute("UPDATE submissions SET status = 'graded'")
    r = _submit(client, ada, data=REFERENCE + b"\n# 6\n")
    assert r.status_code == 429 and 3000 < int(r.headers["Retry-After"]) <= 3601
    assert counts(db)[0] == 5


def test_students_see_only_their_own(client: TestClient, db: str) -> None:
    ada, ben = make_token(db, "ada"), make_token(db, "ben")
    teacher = make_token(db, "teacher", "instructor")
    sid = _submit(client, ada).json()["id"]
    assert client.get(f"/submissions/{sid}", headers=_auth(ben)).status_code == 404
    assert client.get("/submissions", headers=_auth(ben)).json() == []
    assert [x["id"] for x in client.get("/submissions?lesson=1.2",
                                        headers=_auth(ada)).json()] == [sid]
    assert client.get(f"/submissions/{sid}", headers=_auth(teacher)).status_code == 200
    assert client.get("/gradebook", headers=_auth(ada)).status_code == 403


def test_course_tokens_submit_for_a_student(client: TestClient, db: str) -> None:
    ci = make_token(db, "classroom", "course")
    assert _submit(client, ci).status_code == 422
    r = client.post("/submissions", data={"lesson": "1.2", "student": "ada"},
                    files={"file": ("x.py", REFERENCE)}, headers=_auth(ci))
    assert r.status_code == 202


def test_gradebook_latest_and_best_and_roster(client: TestClient, db: str) -> None:
    import psycopg

    from grader.service.database import psycopg_url

    teacher = make_token(db, "teacher", "instructor")
    roster = client.post("/tokens", files={"roster": ("r.csv", b"name\nada\nben\n")},
                         headers=_auth(teacher))
    assert roster.status_code == 201
    tokens = dict(line.split(",") for line in roster.text.strip().splitlines()[1:])
    assert set(tokens) == {"ada", "ben"}
    for score in (12, 20, 15):
        sid = _submit(client, tokens["ada"].strip(),
                      data=REFERENCE + f"# {score}\n".encode()).json()["id"]
        result = {"lesson": "1.2", "score": score, "max_score": 20, "checks": []}
        with psycopg.connect(psycopg_url(db), autocommit=True) as c:
            c.execute("UPDATE submissions SET status='graded', result=%s WHERE id=%s",
                      (json.dumps(result), sid))
    book = client.get("/gradebook?lesson=1.2", headers=_auth(teacher)).json()
    assert [(b["student"], b["latest"], b["best"], b["attempts"]) for b in book] == \
        [("ada", 15, 20, 3)]
    csv_text = client.get("/gradebook?format=csv", headers=_auth(teacher)).text
    assert csv_text.splitlines()[1] == "ada,1.2,15,20,20,3"
    rows = client.get("/results.jsonl?lesson=1.2", headers=_auth(teacher)).text.splitlines()
    assert len(rows) == 3 and json.loads(rows[0])["student"] == "ada"
    status = client.get("/status").json()
    assert status["graded"] == 3 and status["queued"] == 0
