"""A bound on the whole HTTP request: no answer takes longer than ``seconds``.

The transaction timeout bounds each Neo4j call; this bounds the sum of them
plus the Python work between (analytics run in threads, so waiting for them
can be cut short too). Past the limit the request's task is cancelled —
which rolls back a transaction still open — and, if nothing was sent yet,
the caller gets a coded 503 with ``Retry-After``. A change whose commit was
already on its way may have been saved: the message says to retry with the
same ``idempotencyKey`` or ``expectedStatus``, which never applies it twice.
WebSockets are not bounded here: a subscription lives as long as its caller
stays allowed (see ``schema/referral_feed.py``).
"""

from __future__ import annotations

import asyncio

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestTimeLimitMiddleware", "too_long"]


def too_long(seconds: float) -> JSONResponse:
    """The coded answer of a request stopped at the limit."""
    message = (
        f"The request took longer than {seconds:g} s and was stopped. A read can be sent again "
        "as it is; a change may or may not have been saved: send it again with the same "
        "idempotencyKey or expectedStatus, which never applies it twice."
    )
    return JSONResponse(
        {
            "errors": [
                {
                    "message": message,
                    "extensions": {"code": "SERVICE_UNAVAILABLE", "reason": "REQUEST_TIME_LIMIT"},
                }
            ]
        },
        status_code=503,
        headers={"Retry-After": "2"},
    )


class RequestTimeLimitMiddleware:
    """Cancel an HTTP request still running after ``seconds`` (0: no limit)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.seconds <= 0:
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            async with asyncio.timeout(self.seconds):
                await self.app(scope, receive, tracked)
        except TimeoutError:
            if started:  # part of the answer is out: all that is left is to end it
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await too_long(self.seconds)(scope, receive, send)
