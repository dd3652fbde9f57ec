"""Limits at the HTTP edge: request body size and a per-token rate limit.

Both answer before any GraphQL or database work. The rate limit is a token
bucket per API token (refilled at ``rate_limit_per_minute``, holding up to
``rate_limit_burst``). One process keeps its buckets in memory
(:class:`MemoryBuckets`); several workers of one ``maillage serve`` share them
in one SQLite file (:class:`SharedBuckets`), so the limit holds across all
workers rather than once per worker. Every take from the shared file waits at
most ``busy_timeout`` seconds for its lock; past that the request is counted
in the worker's own memory instead (logged once), never held.
"""

from __future__ import annotations

import hashlib
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.json_errors import coded_error
from server.web import SESSION_COOKIE

__all__ = [
    "BodySizeLimitMiddleware",
    "Buckets",
    "MemoryBuckets",
    "RateLimitMiddleware",
    "SharedBuckets",
]

log = logging.getLogger("maillage.limits")
_SESSION_COOKIE = SESSION_COOKIE.encode()


class BodySizeLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with 413, whether announced or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = coded_error(
            413,
            "PAYLOAD_TOO_LARGE",
            f"The request body is over {self.max_bytes} bytes; send a smaller query.",
        )
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await too_large(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await too_large(scope, receive, send)


def _caller(scope: Scope) -> bytes:
    """Who a request counts against: its bearer token, its web session, or its address."""
    headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
    if authorization := headers.get(b"authorization"):
        return b"token " + authorization
    for part in headers.get(b"cookie", b"").split(b";"):
        name, _, value = part.strip().partition(b"=")
        if name == _SESSION_COOKIE and value:
            return b"session " + value
    client = scope.get("client")
    return b"address " + (client[0].encode() if client else b"")


class _BodyTooLarge(Exception):
    pass


class Buckets(Protocol):
    """Token buckets: take one request from a key's bucket."""

    def take(self, key: str) -> float:
        """Take one request from ``key``'s bucket; return 0, or the seconds to wait."""
        ...


class MemoryBuckets:
    """The buckets of one process, in a dict (idle ones forgotten past 100,000 keys)."""

    def __init__(
        self, per_minute: int, burst: int, monotonic: Callable[[], float] = time.monotonic
    ):
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.monotonic = monotonic
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        now = self.monotonic()
        tokens, last = self.buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + max(0.0, now - last) * self.rate)
        if tokens >= 1.0:
            self.buckets[key] = (tokens - 1.0, now)
            return 0.0
        self.buckets[key] = (tokens, now)
        if len(self.buckets) > 100_000:  # forget idle buckets rather than grow without bound
            self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 120}
        return (1.0 - tokens) / self.rate


# One statement refills and takes atomically: SQLite holds the write lock for its duration,
# so two workers never both take the last token. ``granted`` says whether this call took one.
_TAKE = """
INSERT INTO bucket (key, tokens, last, granted) VALUES (:key, :burst - 1.0, :now, 1)
ON CONFLICT (key) DO UPDATE SET
    granted = min(:burst, tokens + max(0.0, :now - last) * :rate) >= 1.0,
    tokens = min(:burst, tokens + max(0.0, :now - last) * :rate)
             - (min(:burst, tokens + max(0.0, :now - last) * :rate) >= 1.0),
    last = :now
RETURNING granted, tokens
"""


class SharedBuckets:
    """Buckets shared by the processes of one machine, in a SQLite file (WAL mode).

    Times are ``time.monotonic()``, the machine's clock since boot on Linux and
    macOS, the same for every process of the machine; the file is for the workers
    of one host, not for several hosts.
    """

    def __init__(
        self,
        path: Path,
        per_minute: int,
        burst: int,
        *,
        busy_timeout: float = 0.1,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.monotonic = monotonic
        self.fallback = MemoryBuckets(per_minute, burst, monotonic)
        self._warned = False
        self._takes = 0
        self._lock = threading.Lock()  # one connection, used from the event loop's thread
        self.db = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")  # losing buckets in a crash only refills them
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS bucket (key TEXT PRIMARY KEY, tokens REAL NOT NULL, "
            "last REAL NOT NULL, granted INTEGER NOT NULL) WITHOUT ROWID"
        )

    def take(self, key: str) -> float:
        now = self.monotonic()
        try:
            with self._lock:
                granted, tokens = self.db.execute(
                    _TAKE, {"key": key, "burst": self.burst, "now": now, "rate": self.rate}
                ).fetchone()
                self._takes += 1
                if self._takes % 10_000 == 0:
                    self._forget_idle(now)
        except sqlite3.Error as exc:
            if not self._warned:
                self._warned = True
                log.warning(
                    "shared rate-limit store unavailable; this worker limits on its own",
                    extra={"path": str(self.path), "error": type(exc).__name__},
                )
            return self.fallback.take(key)
        return 0.0 if granted else (1.0 - tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        """Drop buckets idle long enough to be full again: a new bucket starts full anyway."""
        self.db.execute("DELETE FROM bucket WHERE last < ?", (now - self.burst / self.rate,))

    def close(self) -> None:
        self.db.close()


class RateLimitMiddleware:
    """A token bucket per caller on ``/graphql``; 429 with ``Retry-After`` when empty.

    The caller is its bearer token, else its web session cookie, else its address (the
    requests without either are refused as 401 further in, but still counted).
    """

    def __init__(self, app: ASGIApp, buckets: Buckets) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        # Key on a hash, so raw tokens are not kept in memory longer than needed.
        key = hashlib.sha256(_caller(scope)).hexdigest()[:32]
        wait = self.buckets.take(key)
        if wait > 0:
            response = coded_error(
                429,
                "RATE_LIMITED",
                "Too many requests with this token; slow down and retry after the delay.",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
