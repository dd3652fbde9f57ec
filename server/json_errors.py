"""Every error from ``/graphql`` is JSON with a code, even the ones Strawberry writes as text.

Strawberry answers a request it cannot read at all (a batch over the limit,
a body that is not JSON, a GET with no query…) with a ``text/plain`` 4xx.
:class:`JsonErrorMiddleware` turns such answers into the GraphQL error
shape, ``{"errors": [{"message", "extensions": {"code"}}]}``, keeping the
status and the message, so a client parses one format whatever went wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import DatabaseUnavailable

__all__ = ["JsonErrorMiddleware", "coded_error", "unavailable"]


def coded_error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """An HTTP answer in the GraphQL error shape, for refusals made before GraphQL runs."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=dict(headers) if headers else None,
    )


def unavailable(exc: DatabaseUnavailable) -> JSONResponse:
    """The coded 503 of an edge route when Neo4j cannot answer: retry shortly."""
    return JSONResponse(
        {"errors": [{"message": exc.message, "extensions": exc.extensions}]},
        status_code=503,
        headers={"Retry-After": "2"},
    )


_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class JsonErrorMiddleware:
    """Rewrite ``text/plain`` error answers of ``path`` as coded JSON errors."""

    def __init__(self, app: ASGIApp, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = b""

        async def rewrite(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                textual = headers.get("content-type", "").startswith("text/plain")
                if message["status"] >= 400 and textual:
                    start = message  # hold it until the whole text is known
                    return
                await send(message)
                return
            if start is None:
                await send(message)
                return
            body += message.get("body", b"")
            if message.get("more_body", False):
                return
            status = int(start["status"])
            payload = json.dumps(
                {
                    "errors": [
                        {
                            "message": body.decode("utf-8", "replace").strip() or "Bad request.",
                            "extensions": {"code": _CODES.get(status, "BAD_REQUEST")},
                        }
                    ]
                }
            ).encode()
            headers = MutableHeaders(scope=start)
            headers["content-type"] = "application/json"
            headers["content-length"] = str(len(payload))
            await send(start)
            await send({"type": "http.response.body", "body": payload})

        await self.app(scope, receive, rewrite)
