"""Bearer-token authentication at the HTTP edge.

``/graphql`` needs ``Authorization: Bearer <token>``: no token, or an unknown
or revoked one, is a 401 before any GraphQL work. What the token may do is
decided later, per operation, by ``schema/policy.py``. A principal is reused
for ``auth_cache_seconds`` (default 5) per process, so revoking a token, or
a role, takes effect within that delay. In development the
GraphiQL page itself (a GET for HTML) is served without a token; the queries
it sends still need one.

The web app's browsers send no token: they hold a session cookie
(``server/web.py``). A request with the cookie and no ``Authorization``
header stands for the session's principal; a POST must also carry the
session's CSRF token in ``X-CSRF-Token`` and come from an allowed origin, so
a page of another site cannot act with the user's cookie.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.errors import DatabaseUnavailable
from graph.access import identity, sessions
from graph.access.identity import Principal
from graph.db import Database
from server.json_errors import coded_error, unavailable
from server.settings import Settings
from server.web import CSRF_HEADER, SESSION_COOKIE, same_origin

__all__ = ["BearerAuthMiddleware", "principal_from_header"]

log = logging.getLogger("maillage.auth")
TOUCH_EVERY_SECONDS = 60.0


async def principal_from_header(db: Database, header: str | None) -> Principal | None:
    """The principal for an ``Authorization`` header value, or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return await identity.principal_for_token(db, token.strip())


class BearerAuthMiddleware:
    """Resolve the bearer token to a principal, cached per process for ``auth_cache_seconds``.

    ``monotonic`` is the clock of the cache (seconds; tests pass one they move).
    """

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app = app
        self.settings = settings
        self.monotonic = monotonic
        self.clock = clock
        self._touched: dict[str, float] = {}
        # sha256(header) -> (principal, monotonic expiry); never the raw token.
        self._cache: dict[str, tuple[Principal, float]] = {}

    async def _principal(self, db: Database, header: str | None) -> Principal | None:
        ttl = self.settings.auth_cache_seconds
        if not header or ttl <= 0:
            return await principal_from_header(db, header)
        key = hashlib.sha256(header.encode()).hexdigest()
        now = self.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        principal = await principal_from_header(db, header)
        if principal is None:
            self._cache.pop(key, None)
            return None
        if len(self._cache) > 10_000:
            self._cache = {k: v for k, v in self._cache.items() if v[1] > now}
        self._cache[key] = (principal, now + ttl)
        return principal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            # WebSockets authenticate in connection_init (see schema subscriptions).
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if (
            self.settings.development
            and request.method == "GET"
            and "text/html" in request.headers.get("accept", "")
        ):
            await self.app(scope, receive, send)
            return
        db: Database = request.app.state.db
        header = request.headers.get("authorization")
        cookie = request.cookies.get(SESSION_COOKIE)
        try:
            if header is None and cookie:
                refusal = self._csrf_refusal(request, cookie)
                if refusal is not None:
                    await refusal(scope, receive, send)
                    return
                principal = await self._session_principal(db, cookie)
            else:
                principal = await self._principal(db, header)
        except DatabaseUnavailable as exc:
            # No GraphQL body fits before the token is known: a coded 503, fast.
            log.warning("token lookup failed: database unavailable")
            await unavailable(exc)(scope, receive, send)
            return
        if principal is None:
            if header is None and cookie:
                message = "Your session has ended; sign in again."
            elif header is None:
                message = "Send an API token as 'Authorization: Bearer <token>'."
            else:
                message = "This API token is unknown or revoked."
            response = coded_error(
                401,
                "UNAUTHENTICATED",
                message,
                headers={"WWW-Authenticate": 'Bearer realm="maillage"'},
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self._touch(db, principal)
        await self.app(scope, receive, send)

    def _csrf_refusal(self, request: Request, cookie: str) -> JSONResponse | None:
        """A 403 for a cookie-borne POST without the session's CSRF token or from elsewhere."""
        if request.method != "POST":
            return None
        if same_origin(request, self.settings) and request.headers.get(
            CSRF_HEADER
        ) == sessions.csrf_token_for(cookie):
            return None
        log.warning("cookie request refused: CSRF token or origin")
        return coded_error(
            403,
            "CSRF_REJECTED",
            "This request did not come from the Maillage app "
            "(missing or wrong X-CSRF-Token); reload the page and try again.",
        )

    async def _session_principal(self, db: Database, cookie: str) -> Principal | None:
        # Not cached: a sign-out, or a revoked token, ends the session at the next request.
        state = await sessions.resolve_session(db, cookie, now=self.clock())
        return None if state is None else state.principal

    async def _touch(self, db: Database, principal: Principal) -> None:
        # lastUsedAt is a write: record it at most once a minute per token and process.
        token_id = principal.token_id
        if token_id is None:
            return
        now = time.monotonic()
        if now - self._touched.get(token_id, -TOUCH_EVERY_SECONDS) < TOUCH_EVERY_SECONDS:
            return
        self._touched[token_id] = now
        try:
            await identity.touch_token(db, token_id)
        except Exception:  # a failed bookkeeping write must not fail the request
            log.warning("could not record token use", extra={"token_id": token_id})
