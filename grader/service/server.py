"""``grade serve``: the API, the database (embedded unless ``DATABASE_URL``), and N worker
processes, so one command runs the whole service. SIGTERM or Ctrl-C stops the API, then
the workers (they finish or hand back their jobs), then the embedded database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable

from grader.harness.launch import PR_SET_PDEATHSIG, prctl
from grader.service.database import migrate
from grader.service.embedded import database_url
from grader.service.settings import ServiceSettings


def start_workers(url: str, count: int, *, jobs: int, sandbox: str,
                  allow_process: bool) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "DATABASE_URL": url}
    cmd = [sys.executable, "-m", "grader", "worker", "-j", str(jobs), "--sandbox", sandbox]
    if allow_process:
        cmd.append("--allow-process")
    return [subprocess.Popen(cmd, env=env, preexec_fn=_end_with_parent)  # noqa: PLW1509
            for _ in range(count)]


def _end_with_parent() -> None:
    """In a worker, before it runs: SIGTERM when the server dies, however it dies (killed
    with SIGKILL, it cannot stop its workers itself); Linux only, elsewhere nothing."""
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def stop_workers(procs: list[subprocess.Popen[bytes]], timeout: float = 30) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def serve(settings: ServiceSettings, *, host: str, port: int, workers: int, jobs: int,
          sandbox: str, allow_process: bool, say: Callable[[str], None]) -> None:
    import uvicorn  # noqa: PLC0415

    from grader.service.api import create_app  # noqa: PLC0415

    url = database_url(settings.database_url, settings.data_dir)
    where = "DATABASE_URL" if settings.database_url else f"embedded, in {settings.data_dir}"
    say(f"database: {where}")
    migrate(url)
    app = create_app(settings, url)
    procs = start_workers(url, workers, jobs=jobs, sandbox=sandbox,
                          allow_process=allow_process)
    say(f"{workers} worker(s) started; API on http://{host}:{port}")
    data = "" if settings.database_url else f" --data {settings.data_dir}"
    say(f"first instructor token: grade token create{data} --role instructor --name YOU")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        say("stopping workers")
        stop_workers(procs)
