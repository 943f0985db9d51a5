"""Alembic's environment for the service's tables (run by ``database.migrate``)."""

from __future__ import annotations

from alembic import context

from grader.service.database import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - migrate() always passes one
    raise RuntimeError("run migrations through grader.service.database.migrate")
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
