"""Bearer tokens: ``gt_<id>_<secret>``. The id is public and finds the row; only a salted
hash of the secret is stored, compared in constant time; the token itself is shown once,
when it is made.

The secret is 256 random bits, not a password a person chose: no guessing can find it
from its hash, so the hash is a salted SHA-256 (HMAC keyed by the salt), microseconds per
request. A slow password hash would add nothing but tens of milliseconds of CPU to every
API call (scrypt did: the API was the service's bottleneck under load). Digests stored by
scrypt (64 bytes) are still verified as such."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy.orm import Session

from grader.service.database import Token, now

ROLES = ("student", "instructor", "course")


def _digest(secret: str, salt: bytes) -> bytes:
    return hmac.new(salt, secret.encode(), hashlib.sha256).digest()


def _scrypt_digest(secret: str, salt: bytes) -> bytes:
    """How tokens made before were hashed (their digests are 64 bytes)."""
    return hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=64)


def create_token(session: Session, name: str, role: str) -> str:
    """A new token for ``name`` with ``role``; returns it (the only time it is seen)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    session.add(Token(id=token_id, name=name, role=role, salt=salt,
                      digest=_digest(secret, salt)))
    return f"gt_{token_id}_{secret}"


def verify_token(session: Session, token: str) -> Token | None:
    """The token's row when ``token`` is valid and not revoked, else None."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "gt" or not parts[1] or not parts[2]:
        return None
    row = session.get(Token, parts[1])
    if row is None or row.revoked_at is not None:
        _digest(parts[2], b"0" * 16)  # the same work either way: no timing oracle
        return None
    digest = (_scrypt_digest if len(row.digest) == 64 else _digest)(parts[2], row.salt)
    return row if hmac.compare_digest(digest, row.digest) else None


def revoke(session: Session, token_id: str) -> bool:
    row = session.get(Token, token_id)
    if row is None:
        return False
    row.revoked_at = now()
    return True
