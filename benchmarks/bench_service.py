"""Load on the grading service, on loopback: N clients (httpx, threads) each submit lesson
1.2 submissions through the API and wait for their results, polling once a second as
`grade submit` does; prints throughput, p50/p95 of upload-to-result, the overhead beyond
`grade batch`'s own time per submission (wall/submissions minus batch's, at the same
parallelism), the time for an upload to be accepted, and checks that no result is lost or
duplicated. Runs with 1 and 2 workers on the embedded database.

    python benchmarks/bench_service.py [--submissions 500] [--clients 50]

Only 127.0.0.1 is ever contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.service.test_workers import _free_port, _server, _stop  # noqa: E402

POLL_S = 1.0  # as `grade submit` polls (grader/service/client.py)
REFERENCE = (ROOT / "reference" / "1.2" / "solution.py").read_text()


def batch_time_per_submission(n: int, jobs: int) -> float:
    """`grade batch -j jobs` on n copies of the reference: wall time per submission."""
    with tempfile.TemporaryDirectory() as d:
        for i in range(n):
            (Path(d) / f"s{i:03d}").mkdir()
            (Path(d) / f"s{i:03d}" / "linear_regression.py").write_text(REFERENCE)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", "batch", "1.2", d, "-j", str(jobs)],
                       check=True, capture_output=True)
        return (time.perf_counter() - t0) / n


def run(workers: int, submissions: int, clients: int, batch_per: float) -> None:
    from grader.service.database import make_engine
    from grader.service.embedded import embedded_url
    from grader.service.tokens import create_token

    with tempfile.TemporaryDirectory() as data:
        url = embedded_url(Path(data))
        port = _free_port()
        os.environ["GRADER_SERVICE_HOURLY_BUDGET"] = str(10 * submissions)
        server = _server(url, port, workers=workers)
        base = f"http://127.0.0.1:{port}"
        from sqlalchemy.orm import Session

        with Session(make_engine(url)) as s, s.begin():
            tokens = [create_token(s, f"client{c}", "course") for c in range(clients)]
        latencies: list[float] = []
        uploads: list[float] = []
        ids: list[str] = []

        def client(c: int) -> None:
            auth = {"Authorization": f"Bearer {tokens[c]}"}
            with httpx.Client(base_url=base, headers=auth, timeout=60) as h:
                for k in range(c, submissions, clients):
                    t0 = time.perf_counter()
                    r = h.post("/submissions", data={"lesson": "1.2", "student": f"st{k}"},
                               files={"file": ("x.py", REFERENCE.encode())})
                    uploads.append(time.perf_counter() - t0)
                    sid = r.json()["id"]
                    deadline = time.monotonic() + 900
                    while time.monotonic() < deadline:
                        sub = h.get(f"/submissions/{sid}").json()
                        if sub["status"] in ("graded", "failed"):
                            break
                        time.sleep(POLL_S)
                    latencies.append(time.perf_counter() - t0)
                    ids.append(sid)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(client, range(clients)))
        wall = time.perf_counter() - t0
        teacher = None
        with Session(make_engine(url)) as s, s.begin():
            teacher = create_token(s, "teacher", "instructor")
        status = httpx.get(f"{base}/status").json()
        rows = httpx.get(f"{base}/results.jsonl?lesson=1.2",
                         headers={"Authorization": f"Bearer {teacher}"}).text.splitlines()
        _stop(server)
    q = statistics.quantiles(latencies, n=20)
    overhead = wall / submissions - batch_per
    print(f"{workers} worker(s): {submissions} submissions from {clients} clients in "
          f"{wall:.1f} s = {submissions / wall:.2f}/s; upload-to-result p50 "
          f"{statistics.median(latencies):.2f} s, p95 {q[18]:.2f} s; graded "
          f"{status['graded']}, failed {status['failed']}, results {len(rows)}, "
          f"distinct ids {len(set(ids))} (lost or duplicated: "
          f"{submissions - len(set(ids)) + abs(len(rows) - submissions)})")
    print(f"  overhead beyond `grade batch -j {workers}`: {overhead * 1000:+.0f} ms per submission "
          f"(wall/submissions - batch's {batch_per * 1000:.0f} ms); upload accepted p50 "
          f"{statistics.median(uploads) * 1000:.0f} ms, p95 "
          f"{statistics.quantiles(uploads, n=20)[18] * 1000:.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--submissions", type=int, default=500)
    ap.add_argument("--clients", type=int, default=50)
    args = ap.parse_args()
    print(f"load {Path('/proc/loadavg').read_text().split()[0]}")
    for workers in (1, 2):
        per = batch_time_per_submission(min(60, args.submissions), workers)
        print(f"grade batch -j {workers}: {per * 1000:.0f} ms per submission")
        run(workers, args.submissions, args.clients, per)


if __name__ == "__main__":
    main()
