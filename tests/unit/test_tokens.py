"""Bearer tokens without a database: a token verifies against its own row only, a digest
made with the earlier scheme (scrypt) still verifies, and a revoked or unknown token never
does."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from grader.service import tokens


class _Session:
    """What ``create_token`` and ``verify_token`` use of a SQLAlchemy session."""

    def __init__(self) -> None:
        self.rows: dict[str, Any] = {}

    def add(self, row: Any) -> None:
        self.rows[row.id] = row

    def get(self, _model: Any, key: str) -> Any:
        return self.rows.get(key)


def test_a_token_verifies_against_its_row_and_nothing_else() -> None:
    s = _Session()
    token = tokens.create_token(s, "ada", "student")  # type: ignore[arg-type]
    other = tokens.create_token(s, "ben", "student")  # type: ignore[arg-type]
    row = tokens.verify_token(s, token)  # type: ignore[arg-type]
    assert row is not None and row.name == "ada" and len(row.digest) == 32
    prefix, token_id, secret = token.split("_", 2)
    assert tokens.verify_token(s, f"{prefix}_{token_id}_{secret[:-1]}x") is None  # type: ignore[arg-type]
    assert tokens.verify_token(s, f"{prefix}_{other.split('_', 2)[1]}_{secret}") is None  # type: ignore[arg-type]
    assert tokens.verify_token(s, "gt_nosuchid_" + secret) is None  # type: ignore[arg-type]
    row.revoked_at = datetime.now(UTC)
    assert tokens.verify_token(s, token) is None  # type: ignore[arg-type]


def test_a_digest_made_with_scrypt_still_verifies() -> None:
    s = _Session()
    secret, salt = secrets.token_urlsafe(32), secrets.token_bytes(16)
    s.add(SimpleNamespace(id="old", name="old", role="course", salt=salt, revoked_at=None,
                          digest=tokens._scrypt_digest(secret, salt)))
    assert tokens.verify_token(s, f"gt_old_{secret}") is not None  # type: ignore[arg-type]
    assert tokens.verify_token(s, f"gt_old_{secret}x") is None  # type: ignore[arg-type]
