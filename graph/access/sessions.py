"""Web app sessions: a browser signs in once with an API token and then holds a cookie.

The session key (the cookie's value) is a random 256-bit secret; the graph
keeps only its SHA-256, as for API tokens. The CSRF token a browser sends
back in a header is derived from the key (:func:`csrf_token_for`), so the
server checks it without storing it, and only a page that can read the
session's own answer (same origin) can learn it. A session
belongs to the API token it was opened with, so revoking that token (or the
user's roles) ends or narrows the session at once: the principal is read
through :func:`graph.access.identity.principal_for_token_id` on every request.
Sessions end at sign-out (``revokedAt``), after ``idle`` without use, or at
``expiresAt`` (an absolute bound), whichever comes first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from graph.access import identity
from graph.access.identity import Principal, hash_token
from graph.db import Database

__all__ = [
    "OpenedSession",
    "SessionState",
    "csrf_token_for",
    "open_session",
    "resolve_session",
    "revoke_session",
]

# The cookie's value: "mls_" + 43 URL-safe characters.
SESSION_PREFIX = "mls_"


@dataclass(frozen=True)
class OpenedSession:
    """A new session: its key, given once to the browser as a cookie (the graph keeps a hash)."""

    id: str
    key: str
    expires_at: datetime


@dataclass(frozen=True)
class SessionState:
    """A live session and its principal as it is now."""

    id: str
    principal: Principal
    expires_at: datetime


def csrf_token_for(key: str) -> str:
    """The CSRF token of the session whose cookie value is ``key``."""
    return hmac.new(key.encode(), b"maillage-csrf", hashlib.sha256).hexdigest()


async def open_session(
    db: Database, token: str, *, now: datetime, lifetime: timedelta, idle: timedelta
) -> OpenedSession | None:
    """Open a session for the holder of API ``token``; None if the token is unknown or revoked."""
    principal = await identity.principal_for_token(db, token)
    if principal is None or principal.token_id is None:
        return None
    key = SESSION_PREFIX + secrets.token_urlsafe(32)
    session_id = str(uuid.uuid4())
    expires = now + lifetime
    await db.write(
        lambda tx: tx.run(
            "MATCH (t:ApiToken {id: $tid}) "
            "CREATE (t)-[:OPENED]->(:WebSession {id: $id, keyHash: $key, "
            "createdAt: $now, lastUsedAt: $now, expiresAt: $expires, idleSeconds: $idle})",
            tid=principal.token_id,
            id=session_id,
            key=hash_token(key),
            now=now,
            expires=expires,
            idle=int(idle.total_seconds()),
        )
    )
    return OpenedSession(id=session_id, key=key, expires_at=expires)


async def resolve_session(db: Database, key: str, *, now: datetime) -> SessionState | None:
    """The live session for the cookie value ``key`` and its principal as it is now, or None."""
    if not key.startswith(SESSION_PREFIX) or len(key) > 100:
        return None
    row = await db.row(
        "MATCH (t:ApiToken)-[:OPENED]->(s:WebSession {keyHash: $key}) "
        "WHERE s.revokedAt IS NULL AND s.expiresAt > $now "
        "AND s.lastUsedAt + duration({seconds: s.idleSeconds}) > $now "
        "RETURN s.id AS id, s.expiresAt AS expires, t.id AS tid, "
        "s.lastUsedAt AS used",
        key=hash_token(key),
        now=now,
    )
    if row is None:
        return None
    principal = await identity.principal_for_token_id(db, row["tid"])
    if principal is None:
        return None
    if (now - row["used"].to_native()).total_seconds() > 60:
        # Sliding idle bound; written at most once a minute per session.
        await db.write(
            lambda tx: tx.run(
                "MATCH (s:WebSession {id: $id}) SET s.lastUsedAt = $now", id=row["id"], now=now
            )
        )
    return SessionState(
        id=row["id"],
        principal=principal,
        expires_at=row["expires"].to_native(),
    )


async def revoke_session(db: Database, key: str, *, now: datetime) -> bool:
    """End the session whose cookie value is ``key``; whether one was live."""
    if not key.startswith(SESSION_PREFIX):
        return False
    row = await db.write(
        lambda tx: tx.row(
            "MATCH (s:WebSession {keyHash: $key}) WHERE s.revokedAt IS NULL "
            "SET s.revokedAt = $now RETURN s.id AS id",
            key=hash_token(key),
            now=now,
        )
    )
    return row is not None
