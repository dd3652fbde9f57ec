"""The composition root: ``create_app(settings)`` wires everything, once.

The Neo4j driver opens in the lifespan and closes with it; nothing connects
at import time. Routes: ``/graphql`` (GraphiQL in development), ``/app`` (the staff web
app) and ``/session`` (its sign-in, see ``server/web.py``), ``/downloads/…`` (its
report and research export zips, see ``server/downloads.py``), ``/respond/{token}``
(one-click answers from e-mails), ``/healthz`` (the process is alive) and
``/readyz`` (Neo4j answers and migrations are applied).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from domain.errors import DatabaseUnavailable
from graph import migrations
from graph.access import sessions as g_sessions
from graph.access.identity import Principal
from graph.db import Database, open_database
from graph.referral import sweep
from schema import build_schema
from schema.context import Context
from server.auth import BearerAuthMiddleware, principal_from_header
from server.downloads import download_routes
from server.json_errors import JsonErrorMiddleware
from server.limits import (
    BodySizeLimitMiddleware,
    Buckets,
    MemoryBuckets,
    RateLimitMiddleware,
    SharedBuckets,
)
from server.logs import configure_logging
from server.mail_catcher import CaughtMail, MailSpool, mail_routes
from server.mailer import deliver_forever
from server.middleware import RequestIdMiddleware
from server.respond import respond_routes
from server.security_headers import SecurityHeadersMiddleware
from server.settings import Settings
from server.time_limit import RequestTimeLimitMiddleware
from server.web import SESSION_COOKIE, built_page, web_routes

__all__ = ["MaillageGraphQL", "create_app"]

log = logging.getLogger("maillage.app")


class MaillageGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with Maillage's context."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.development else None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.settings = settings
        self.clock = clock

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the app's own build: it works offline, and with the session cookie."""
        return built_page(self.settings, "graphiql.html")

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        state = request.app.state
        principal: Principal | None = getattr(request.state, "principal", None)
        return Context(
            db=state.db,
            settings=self.settings,
            request_id=getattr(request.state, "request_id", "-"),
            principal=principal,
            request=request,
            response=response,
            clock=self.clock,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a WebSocket in ``connection_init``: ``{"Authorization": "Bearer …"}``."""
        origin = context.request.headers.get("origin") if context.request is not None else None
        if origin is not None and origin.rstrip("/") not in self.settings.allowed_origins:
            log.warning("websocket from a refused origin", extra={"origin": origin})
            raise ConnectionRejectionError({"message": "This origin is not allowed."})
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if not header and params.get("token"):
            header = f"Bearer {params['token']}"
        cookie = context.request.cookies.get(SESSION_COOKIE) if context.request else None
        try:
            if not header and cookie and origin is not None:
                # The web app: its session cookie, from an allowed origin (checked above).
                state = await g_sessions.resolve_session(context.db, cookie, now=self.clock())
                principal = None if state is None else state.principal
            else:
                principal = await principal_from_header(context.db, str(header) if header else None)
        except DatabaseUnavailable as exc:
            raise ConnectionRejectionError({"message": exc.message, **exc.extensions}) from exc
        if principal is None:
            raise ConnectionRejectionError({"message": "A valid API token is required."})
        context.principal = principal
        unset: UnsetType = UNSET
        return unset


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    db: Database = request.app.state.db
    try:
        todo = await asyncio.wait_for(migrations.pending(db), timeout=5)
    except Exception as exc:  # any failure to reach Neo4j means "not ready"
        log.warning("readiness check failed: %s", type(exc).__name__)
        return JSONResponse(
            {"status": "unavailable", "reason": f"Neo4j is not reachable ({type(exc).__name__})."},
            status_code=503,
        )
    if todo:
        versions = ", ".join(str(m.version) for m in todo)
        return JSONResponse(
            {
                "status": "unavailable",
                "reason": f"Migrations {versions} are not applied; run `maillage migrate`.",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ready"})


def utc_now() -> datetime:
    return datetime.now(UTC)


async def _sweep_forever(db: Database, settings: Settings, clock: Callable[[], datetime]) -> None:
    """Expire and purge periodically; every API process may run it (it is idempotent)."""
    while True:
        await asyncio.sleep(settings.sweep_interval_seconds)
        try:
            result = await sweep.sweep(db, clock(), settings.reminder_policy)
            if result.expired or result.purged:
                log.info("sweep", extra={"expired": result.expired, "purged": result.purged})
        except Exception:
            log.exception("sweep failed; will retry")


LEADER_RETRY_SECONDS = 5.0


async def _when_leading(
    lock: Path, background: list[Coroutine[Any, Any, None]], state: Any
) -> None:
    """Run ``background`` once this process holds ``lock`` (an exclusive ``flock``).

    The workers of one ``maillage serve`` share the lock file: one of them runs the
    periodic sweep and the e-mail delivery; the others try again every few seconds,
    so when the leader stops (its lock is released with its process) another takes over.
    """
    with lock.open("a") as handle:
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(LEADER_RETRY_SECONDS)
            log.info("this worker runs the sweep and the e-mail delivery")
            state.leading.set()
            await asyncio.gather(*background)
        finally:
            for work in background:
                work.close()  # never started when cancelled before leading: no warning


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    run_sweeper: bool = True,
    monotonic: Callable[[], float] = time.monotonic,
    run_mailer: bool = True,
    mail_catcher: CaughtMail | None = None,
) -> Starlette:
    """Build the ASGI app from ``settings`` (default: from the environment).

    ``clock`` gives "now" to every request (tests move it); ``run_sweeper``
    starts the periodic expiry and purge task; ``monotonic`` is the clock of
    the principal cache (tests move it past ``auth_cache_seconds``); ``run_mailer``
    starts the notification worker when SMTP is configured; ``mail_catcher``
    (development) adds ``/dev/mail``, the messages it caught.
    """
    settings = settings or Settings.from_env()
    graphql = MaillageGraphQL(settings, clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = open_database(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password,
            settings.neo4j_database,
            timeouts=settings.neo4j_timeouts,
        )
        app.state.db = db
        try:
            if settings.apply_migrations_on_start:
                applied = await migrations.migrate(db)
                if applied:
                    log.info("migrations applied", extra={"versions": [m.version for m in applied]})
            background: list[Coroutine[Any, Any, None]] = []
            if run_sweeper:
                background.append(_sweep_forever(db, settings, clock))
            if run_mailer and settings.smtp_configured:
                background.append(deliver_forever(db, settings, clock=clock))
            tasks = []
            if background and settings.shared_state_dir:
                # Several workers: only the one holding the lock sweeps and delivers.
                lock = Path(settings.shared_state_dir) / "background.lock"
                tasks.append(asyncio.create_task(_when_leading(lock, background, app.state)))
            elif background:
                app.state.leading.set()
                tasks += [asyncio.create_task(work) for work in background]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        finally:
            await db.close()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            *web_routes(settings, clock),
            *download_routes(settings, clock),
            *respond_routes(clock),
            *(mail_routes(mail_catcher) if mail_catcher is not None else []),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.leading = asyncio.Event()  # set while this process runs the background work
    # Outermost last: request id, then body size, time limit, rate limit, authentication,
    # JSON errors.
    app.add_middleware(JsonErrorMiddleware)
    app.add_middleware(BearerAuthMiddleware, settings=settings, monotonic=monotonic, clock=clock)
    app.add_middleware(RateLimitMiddleware, buckets=_buckets(settings))
    app.add_middleware(RequestTimeLimitMiddleware, seconds=settings.request_time_limit_seconds)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def _buckets(settings: Settings) -> Buckets:
    """The rate limit's buckets: shared with the other workers when a file is set."""
    if settings.shared_state_dir:
        return SharedBuckets(
            Path(settings.shared_state_dir) / "rate-limit.sqlite3",
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
        )
    return MemoryBuckets(settings.rate_limit_per_minute, settings.rate_limit_burst)


def app_factory() -> Any:
    """For ``uvicorn --factory server.app:app_factory``: each worker of ``maillage serve``."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    # `maillage run --workers N`: /dev/mail reads what the parent's mail catcher caught.
    caught = None
    if settings.development and settings.dev_mail_spool:
        caught = MailSpool(Path(settings.dev_mail_spool), settings.smtp_port)
    return create_app(settings, mail_catcher=caught)
