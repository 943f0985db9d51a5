"""The service's settings: defaults in one place, each overridable from the environment
(``GRADER_SERVICE_<NAME>``, and ``DATABASE_URL``) or the command line."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "training-loop-grader" / "service"


class ServiceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database_url: str | None = None  # any PostgreSQL; None: the embedded one in data_dir
    data_dir: Path = Field(default_factory=default_data_dir)
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    hourly_budget: int = Field(default=60, ge=1)  # submissions per token per hour
    pending_retry_after_s: int = Field(default=15, ge=1)  # Retry-After for a pending one
    max_attempts: int = Field(default=3, ge=1)  # infrastructure failures before "failed"
    heartbeat_s: float = Field(default=5.0, gt=0)  # worker heartbeats
    stalled_after_s: float = Field(default=30.0, gt=0)  # a silent worker's jobs are retried

    @classmethod
    def from_env(cls, **overrides: object) -> ServiceSettings:
        values: dict[str, object] = {}
        if os.environ.get("DATABASE_URL"):
            values["database_url"] = os.environ["DATABASE_URL"]
        for name in cls.model_fields:
            env = os.environ.get(f"GRADER_SERVICE_{name.upper()}")
            if env is not None:
                values[name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)
