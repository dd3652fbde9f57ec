"""The staff web app and GraphiQL, from the Vite build in ``web/dist``, and the sign-in routes.

- ``/app`` and every path under it: the app's ``index.html`` (the app routes
  in the browser); ``/app/assets/…``: its hashed, immutable files.
- ``/session``: ``POST {"token": "mlg_…"}`` signs in (an HttpOnly,
  SameSite=Strict cookie; the token never reaches JavaScript-readable
  storage), ``GET`` says who is signed in and gives the CSRF token the page
  sends back in ``X-CSRF-Token`` on every POST, ``DELETE`` signs out (the
  session is revoked in the graph, not only forgotten by the browser).

Nothing is loaded from a CDN: GraphiQL is a second entry of the same build.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from domain.errors import DatabaseUnavailable
from graph.access import sessions
from graph.db import Database
from server.json_errors import coded_error, unavailable
from server.settings import Settings

__all__ = ["CSRF_HEADER", "SESSION_COOKIE", "built_page", "same_origin", "web_routes"]

log = logging.getLogger("maillage.web")

SESSION_COOKIE = "maillage_session"
CSRF_HEADER = "x-csrf-token"
IMMUTABLE = "public, max-age=31536000, immutable"


def built_page(settings: Settings, name: str) -> Response:
    """A page of the build, or a 503 saying how to build it."""
    page = settings.web_dist / name
    if not page.is_file():
        return Response(
            f"The web app is not built ({page} is missing): run `make web` "
            "(npm ci && npm run build in web/).",
            status_code=503,
            media_type="text/plain",
        )
    return FileResponse(page, media_type="text/html", headers={"Cache-Control": "no-store"})


def same_origin(request: Request, settings: Settings) -> bool:
    """Whether a browser request comes from the app's own origin (or from no browser at all)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin.rstrip("/") in {own, *settings.allowed_origins}


def _session_routes(settings: Settings, clock: Callable[[], datetime]) -> list[Route]:
    lifetime = timedelta(hours=settings.session_hours)
    idle = timedelta(minutes=settings.session_idle_minutes)

    async def who(request: Request, db: Database, key: str) -> dict[str, Any] | None:
        state = await sessions.resolve_session(db, key, now=clock())
        if state is None:
            return None
        principal = state.principal
        return {
            "user": {"id": principal.user_id, "name": principal.name},
            "roles": principal.roles,
            "csrfToken": sessions.csrf_token_for(key),
            "expiresAt": state.expires_at.isoformat(),
        }

    async def session(request: Request) -> Response:
        db: Database = request.app.state.db
        if not same_origin(request, settings):
            return coded_error(403, "FORBIDDEN", "Sign in from the Maillage app's own address.")
        try:
            if request.method == "POST":
                return await sign_in(request, db)
            key = request.cookies.get(SESSION_COOKIE, "")
            if request.method == "DELETE":
                expected = sessions.csrf_token_for(key) if key else None
                if expected is None or request.headers.get(CSRF_HEADER) != expected:
                    return coded_error(
                        403, "CSRF_REJECTED", "Reload the page, then sign out again."
                    )
                await sessions.revoke_session(db, key, now=clock())
                response: Response = Response(status_code=204)
                response.delete_cookie(SESSION_COOKIE, path="/")
                return response
            body = await who(request, db, key) if key else None
            if body is None:
                return coded_error(401, "UNAUTHENTICATED", "You are not signed in.")
            return JSONResponse(body)
        except DatabaseUnavailable as exc:
            return unavailable(exc)

    async def sign_in(request: Request, db: Database) -> Response:
        # A JSON body only: a cross-site form cannot send one without a preflight.
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return coded_error(
                415, "BAD_USER_INPUT", 'Send {"token": "mlg_…"} as application/json.'
            )
        try:
            payload = await request.json()
        except ValueError:
            payload = None
        token = payload.get("token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token.strip():
            return coded_error(400, "BAD_USER_INPUT", "Paste your API token (it starts with mlg_).")
        opened = await sessions.open_session(
            db, token.strip(), now=clock(), lifetime=lifetime, idle=idle
        )
        if opened is None:
            log.info("sign-in refused: unknown or revoked token")
            return coded_error(
                401,
                "UNAUTHENTICATED",
                "This API token is unknown or revoked; ask your organization's administrator "
                "for a new one.",
            )
        body = await who(request, db, opened.key)
        response = JSONResponse(body)
        response.set_cookie(
            SESSION_COOKIE,
            opened.key,
            max_age=int(lifetime.total_seconds()),
            path="/",
            httponly=True,
            samesite="strict",
            secure=settings.env == "production",
        )
        log.info("signed in", extra={"session_id": opened.id})
        return response

    return [Route("/session", session, methods=["GET", "POST", "DELETE"])]


def web_routes(settings: Settings, clock: Callable[[], datetime]) -> list[Route | Mount]:
    """The app's pages and files, and the session routes."""

    async def app_page(request: Request) -> Response:
        return built_page(settings, "index.html")

    assets: Path = settings.web_dist / "assets"
    return [
        *_session_routes(settings, clock),
        Mount(
            "/app/assets",
            app=_ImmutableFiles(directory=assets, check_dir=False),
            name="assets",
        ),
        Route("/app", app_page),
        Route("/app/{rest:path}", app_page),
    ]


class _ImmutableFiles(StaticFiles):
    """Hashed build files: cached for a year (a new build has new names)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = IMMUTABLE
        return response
