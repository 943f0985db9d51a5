"""The service with real workers on a real PostgreSQL: results arrive; a worker killed
with SIGKILL mid-grading loses nothing (its job is graded again by another: one result);
a grader fault is retried a bounded number of times, then "system error"; a student's
timeout is a result, not retried; a server restart loses no queued job; `grade submit`."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from grader.sandbox.watch import _process_table
from tests.service.conftest import ROOT, make_token

pytestmark = pytest.mark.slow
REFERENCE = (ROOT / "reference" / "1.2" / "solution.py").read_text()
SLOW = REFERENCE + "\n\nimport time as _t\n_fit = fit\n\ndef fit(*a, **k):\n" \
    "    _t.sleep(6)\n    return _fit(*a, **k)\n"
FOREVER = REFERENCE + "\n\ndef fit(X, y, lr, steps):\n    while True:\n        pass\n"
FAST_RECOVERY = {"GRADER_SERVICE_HEARTBEAT_S": "0.5", "GRADER_SERVICE_STALLED_AFTER_S": "3"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(url: str, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "grader", "worker", "-j", "1"],
                            env={**os.environ, "DATABASE_URL": url, **FAST_RECOVERY, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _server(url: str, port: int, workers: int = 0, **env: str) -> subprocess.Popen[bytes]:
    p = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--port", str(port),
                          "--workers", str(workers), "-j", "1"],
                         env={**os.environ, "DATABASE_URL": url, **FAST_RECOVERY, **env},
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return p
        except httpx.HTTPError:
            time.sleep(0.3)
    p.kill()
    pytest.fail("the server did not come up: " + p.stderr.read().decode()[-2000:])


def _stop(*procs: subprocess.Popen[bytes]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=40)
        except subprocess.TimeoutExpired:
            p.kill()


def _submit(base: str, token: str, source: str, lesson: str = "1.2") -> str:
    r = httpx.post(f"{base}/submissions", data={"lesson": lesson},
                   files={"file": ("x.py", source.encode())},
                   headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _wait(base: str, token: str, sid: str, until: tuple[str, ...] = ("graded", "failed"),
          limit: float = 240) -> dict:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        sub = httpx.get(f"{base}/submissions/{sid}",
                        headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
        if sub["status"] in until:
            return sub
        time.sleep(0.3)
    pytest.fail(f"submission {sid} still {sub['status']} after {limit} s")


def test_results_arrive_and_a_killed_worker_loses_nothing(db: str) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _server(db, port)
    ada = make_token(db, "ada")
    first = _worker(db)
    try:
        ok = _submit(base, ada, REFERENCE)
        done = _wait(base, ada, ok)
        assert done["status"] == "graded" and done["result"]["score"] == 20
        assert done["started_at"] and done["finished_at"]

        slow = _submit(base, make_token(db, "ben"), SLOW)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            st = httpx.get(f"{base}/status").json()
            if st["running"]:
                break
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)  # in the middle of grading it
        first.wait()
        second = _worker(db)
        try:
            teacher = make_token(db, "t", "instructor")
            got = _wait(base, teacher, slow)
        finally:
            _stop(second)
        assert got["status"] == "graded" and got["result"]["score"] == 20, got
        assert got["attempts"] == 2
        import psycopg

        from grader.service.database import psycopg_url

        with psycopg.connect(psycopg_url(db)) as c:
            n = c.execute("SELECT count(*) FROM submissions WHERE id = %s", (slow,)).fetchone()
            jobs = c.execute("SELECT status FROM procrastinate_jobs WHERE args->>"
                             "'submission_id' = %s", (slow,)).fetchall()
        assert n == (1,) and [j[0] for j in jobs] == ["succeeded"]
    finally:
        _stop(first, server)


def test_grader_faults_are_retried_then_failed_and_timeouts_are_results(
        db: str, tmp_path: Path) -> None:
    broken = tmp_path / "course"
    for part in ("reference", "assignments"):
        shutil.copytree(ROOT / part / "1.2", broken / part / "1.2")
    shutil.copytree(ROOT / "datasets", broken / "datasets")
    sol = broken / "reference" / "1.2" / "solution.py"
    sol.write_text(sol.read_text() + "\n\ndef predict(X, w, b):\n    raise RuntimeError('x')\n")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _server(db, port)
    worker = _worker(db, GRADER_COURSE_ROOT=str(broken), GRADER_SERVICE_MAX_ATTEMPTS="2")
    try:
        ada = make_token(db, "ada")
        got = _wait(base, ada, _submit(base, ada, REFERENCE))
        assert got["status"] == "failed" and got["attempts"] == 2
        assert "system error, resubmit without penalty" in got["error"]
    finally:
        _stop(worker)
    quick = tmp_path / "quick"  # the course, with fit's time limit cut to a few seconds
    for part in ("reference", "assignments"):
        shutil.copytree(ROOT / part / "1.2", quick / part / "1.2")
    shutil.copytree(ROOT / "datasets", quick / "datasets")
    spec = quick / "reference" / "1.2" / "spec.toml"
    assert "timeout_s = 30" in spec.read_text()
    spec.write_text(spec.read_text().replace("timeout_s = 30", "timeout_s = 4"))
    worker = _worker(db, GRADER_COURSE_ROOT=str(quick))
    try:
        ben = make_token(db, "ben")
        got = _wait(base, ben, _submit(base, ben, FOREVER))
        assert got["status"] == "graded" and got["attempts"] == 1
        assert any(c["status"] == "timeout" for c in got["result"]["checks"])
    finally:
        _stop(worker, server)


def test_a_restarted_server_loses_no_queued_job_and_grade_submit_reports(
        db: str, tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _server(db, port)  # no worker: jobs wait
    tokens = [make_token(db, f"s{i}") for i in range(3)]
    ids = [_submit(base, t, REFERENCE) for t in tokens]
    _stop(server)
    server = _server(db, port, workers=1)
    try:
        for t, sid in zip(tokens, ids, strict=True):
            assert _wait(base, t, sid)["result"]["score"] == 20
        sub = tmp_path / "linear_regression.py"
        mistake = ROOT / "reference" / "1.2" / "mistakes" / "sign_error.py"
        sub.write_text(REFERENCE + "\n\n" + mistake.read_text())
        proc = subprocess.run([sys.executable, "-m", "grader", "submit", "1.2", str(sub),
                               "--server", base, "--format", "json"],
                              env={**os.environ, "GRADE_TOKEN": make_token(db, "dee")},
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        import json

        result = json.loads(proc.stdout)
        assert result["score"] < 20 and "sign_error" in {m["id"] for m in result["mistakes"]}
        bad = subprocess.run([sys.executable, "-m", "grader", "submit", "1.2", str(sub),
                              "--server", base], env={**os.environ, "GRADE_TOKEN": "gt_x_y"},
                             capture_output=True, text=True, timeout=60)
        assert bad.returncode == 2 and "401" in bad.stderr
    finally:
        _stop(server)


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's parent may be slow to reap it)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def test_a_killed_server_leaves_no_worker_behind(db: str) -> None:
    """SIGKILL gives `grade serve` no chance to stop its workers: they end with it."""
    server = _server(db, _free_port(), workers=2)
    workers = [pid for pid, (ppid, _) in _process_table().items() if ppid == server.pid]
    assert len(workers) == 2, workers
    server.kill()
    server.wait()
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and any(map(_running, workers)):
        time.sleep(0.2)
    alive = [w for w in workers if _running(w)]
    for w in alive:
        os.kill(w, signal.SIGKILL)
    assert not alive, f"workers {alive} outlived their server"
