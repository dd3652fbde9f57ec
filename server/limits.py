"""Limits at the HTTP edge: request body size and a per-token rate limit.

Both answer before any GraphQL or database work. The rate limit is a token
bucket per API token (refilled at ``rate_limit_per_minute``, holding up to
``rate_limit_burst``) kept in this process: behind a load balancer each
process enforces it on the share of traffic it sees.
"""

from __future__ import annotations

import hashlib
import math
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.json_errors import coded_error

__all__ = ["BodySizeLimitMiddleware", "RateLimitMiddleware"]


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


class _BodyTooLarge(Exception):
    pass


class RateLimitMiddleware:
    """A token bucket per bearer token on ``/graphql``; 429 with ``Retry-After`` when empty."""

    def __init__(self, app: ASGIApp, per_minute: int, burst: int) -> None:
        self.app = app
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.buckets: dict[str, tuple[float, float]] = {}

    def _take(self, key: str) -> float:
        """Take one request from ``key``'s bucket; return 0, or the seconds to wait."""
        now = time.monotonic()
        tokens, last = self.buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self.buckets[key] = (tokens - 1.0, now)
            return 0.0
        self.buckets[key] = (tokens, now)
        if len(self.buckets) > 100_000:  # forget idle buckets rather than grow without bound
            self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 120}
        return (1.0 - tokens) / self.rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"authorization", b"")
        if not header:
            await self.app(scope, receive, send)  # refused as 401 further in
            return
        # Key on a hash, so raw tokens are not kept in memory longer than needed.
        key = hashlib.sha256(header).hexdigest()[:32]
        wait = self._take(key)
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
