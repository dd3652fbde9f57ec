"""Downloads for the web app: a network's board report and its research export, as zip files.

- ``GET /downloads/report?network=ID&from=YYYY-MM-DD&to=YYYY-MM-DD[&period=month|quarter|year]``:
  what ``maillage report`` writes (``index.html`` and ``figures/*.png``), zipped.
- ``GET /downloads/research?network=ID&from=…&to=…[&period=quarter][&format=…]``:
  what ``maillage export research`` writes (``format``: csv, the default, graphml,
  gexf or json), zipped.

``network`` may be repeated (a region, read as one). The caller is the web
app's session (its cookie) or an API token (``Authorization: Bearer``). The
rules are the API's, from :mod:`schema.policy`: the report names
organizations, so it is for a coordinator of every network in it or a
platform admin (``analytics.region``, network by network); the research
export is for a researcher or coordinator of every network
(``analytics.researchExport``), under the researcher's own project
pseudonyms, or a key used once for a coordinator, as the CLI does. Every
download, given or refused, leaves an audit entry (kind ``EXPORT``).

A GET changes nothing, so it needs no CSRF token; the session cookie is
SameSite=Strict and a request from another origin is refused. Reports are
slow (matplotlib): the work runs in a thread, one download at a time per
process (a second one is told to retry), within the request time limit.
"""

from __future__ import annotations

import asyncio
import io
import logging
import tempfile
import threading
import time
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.errors import BadUserInput, DatabaseUnavailable, MaillageError
from graph.access import audit, sessions
from graph.access.identity import Principal
from graph.access.research_projects import research_project_key
from graph.aggregates.queries import Period, Window
from graph.db import Database
from graph.directory.networks import require_networks
from graph.validation import check_id
from schema.policy import Scope, allowed
from server.auth import principal_from_header
from server.json_errors import coded_error, unavailable
from server.report_export import FORMATS, gather_research, write_research_export
from server.settings import Settings
from server.web import SESSION_COOKIE, same_origin

__all__ = ["download_routes"]

log = logging.getLogger("maillage.downloads")

# One slow download at a time per process: the machine's cores are the API's too.
_BUSY = threading.BoundedSemaphore(1)


@dataclass(frozen=True)
class _Ask:
    """A download's parameters, checked."""

    network_ids: tuple[str, ...]
    window: Window


class _Refused(Exception):
    def __init__(self, response: JSONResponse, outcome: str) -> None:
        super().__init__(outcome)
        self.response = response
        self.outcome = outcome


def download_routes(settings: Settings, clock: Callable[[], datetime]) -> list[Route]:
    """``/downloads/report`` and ``/downloads/research``."""

    async def report(request: Request) -> Response:
        return await _serve(request, settings, clock, "analytics.region", _report_zip)

    async def research(request: Request) -> Response:
        return await _serve(request, settings, clock, "analytics.researchExport", _research_zip)

    return [
        Route("/downloads/report", report, methods=["GET"]),
        Route("/downloads/research", research, methods=["GET"]),
    ]


_Maker = Callable[[Request, Database, Principal, _Ask, datetime], Awaitable[tuple[str, bytes]]]


async def _serve(
    request: Request,
    settings: Settings,
    clock: Callable[[], datetime],
    operation: str,
    make: _Maker,
) -> Response:
    db: Database = request.app.state.db
    if not same_origin(request, settings):
        return coded_error(403, "FORBIDDEN", "Download from the Maillage app's own address.")
    try:
        principal = await _caller(request, db, clock)
    except DatabaseUnavailable as exc:
        return unavailable(exc)
    if principal is None:
        return coded_error(
            401,
            "UNAUTHENTICATED",
            "You are not signed in, or your session has ended: sign in again.",
        )
    now = clock()
    try:
        ask = _parse(request, research=operation == "analytics.researchExport")
        if not all(allowed(principal, operation, Scope.of(networks=[n])) for n in ask.network_ids):
            raise _Refused(coded_error(403, "FORBIDDEN", _REFUSALS[operation]), "FORBIDDEN")
        await require_networks(db, ask.network_ids)
        started = time.monotonic()
        name, body = await make(request, db, principal, ask, now)
    except _Refused as refused:
        await _audit(request, db, principal, operation, refused.outcome, now, _targets(request))
        return refused.response
    except DatabaseUnavailable as exc:
        return unavailable(exc)
    except MaillageError as exc:
        status = {"BAD_USER_INPUT": 400, "NOT_FOUND": 404, "FORBIDDEN": 403}.get(exc.code, 400)
        extensions: dict[str, object] = {"code": exc.code}
        if exc.field:
            extensions["field"] = exc.field
        if exc.code == "FORBIDDEN":
            await _audit(request, db, principal, operation, exc.code, now, _targets(request))
        return JSONResponse(
            {"errors": [{"message": str(exc), "extensions": extensions}]}, status_code=status
        )
    except Exception:
        request_id = getattr(request.state, "request_id", "-")
        log.exception("download failed", extra={"operation": operation})
        await _audit(request, db, principal, operation, "INTERNAL", now, _targets(request))
        return coded_error(
            500,
            "INTERNAL",
            f"The file could not be made; try again, and if it fails again give the "
            f"administrators this request id: {request_id}.",
        )
    await _audit(request, db, principal, operation, "OK", now, ask.network_ids)
    log.info(
        "download",
        extra={"operation": operation, "bytes": len(body), "seconds": time.monotonic() - started},
    )
    return Response(
        body,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


_REFUSALS = {
    "analytics.region": "The board report names organizations: it is for a coordinator of "
    "every network in it (or a platform admin); leave out the networks you do not coordinate.",
    "analytics.researchExport": "The research export is for a researcher or coordinator of "
    "every network in it; leave out the networks you neither study nor coordinate.",
}


async def _caller(
    request: Request, db: Database, clock: Callable[[], datetime]
) -> Principal | None:
    header = request.headers.get("authorization")
    if header is not None:
        return await principal_from_header(db, header)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    state = await sessions.resolve_session(db, cookie, now=clock())
    return None if state is None else state.principal


def _targets(request: Request) -> tuple[str, ...]:
    return tuple(sorted(set(request.query_params.getlist("network"))))


def _parse(request: Request, *, research: bool) -> _Ask:
    """The networks and window of the query string; BadUserInput saying what to fix."""
    query = request.query_params
    networks = [n for raw in query.getlist("network") for n in raw.split(",") if n.strip()]
    if not networks:
        raise BadUserInput("Choose at least one network (network=ID).", field="network")
    ids = tuple(sorted({check_id(n.strip(), "network") for n in networks}))
    start = _day(query.get("from"), "from")
    end = _day(query.get("to"), "to")
    raw_period = (query.get("period") or ("quarter" if research else "month")).strip().upper()
    if research and raw_period != "QUARTER":
        raise BadUserInput("The research export is per quarter: period=quarter.", field="period")
    if raw_period not in {p.value for p in Period}:
        raise BadUserInput("period must be month, quarter or year.", field="period")
    return _Ask(ids, Window(start, end, Period(raw_period)))


def _day(value: str | None, field: str) -> date:
    if not value:
        raise BadUserInput(f"Give {field} as a date, YYYY-MM-DD.", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadUserInput(
            f"{field} ({value[:40]}) is not a date; write it YYYY-MM-DD, e.g. 2025-01-01.",
            field=field,
        ) from None


def _stem(kind: str, ask: _Ask) -> str:
    others = len(ask.network_ids) - 1
    first = ask.network_ids[0][:8] + (f"-et-{others}" if others else "")
    return f"maillage-{kind}-{first}-{ask.window.start.isoformat()}-{ask.window.end.isoformat()}"


async def _report_zip(
    request: Request, db: Database, principal: Principal, ask: _Ask, now: datetime
) -> tuple[str, bytes]:
    from server.report import gather_report, write_report  # matplotlib: only when reporting

    data = await gather_report(db, ask.network_ids, ask.window, now=now)
    body = await _in_thread(lambda folder: write_report(data, folder))
    return f"{_stem('rapport', ask)}.zip", body


async def _research_zip(
    request: Request, db: Database, principal: Principal, ask: _Ask, now: datetime
) -> tuple[str, bytes]:
    fmt = (request.query_params.get("format") or "csv").strip().lower()
    if fmt not in FORMATS:
        raise BadUserInput(f"format must be one of {', '.join(FORMATS)}.", field="format")
    # A researcher's own project pseudonyms (the API's); a coordinator's key is used once.
    studies = bool(principal.studies & set(ask.network_ids))
    key = await research_project_key(db, principal.user_id) if studies else None
    data = await gather_research(db, ask.network_ids, ask.window, now=now, project_key=key)
    body = await _in_thread(lambda folder: write_research_export(data, folder, fmt))
    return f"{_stem('recherche', ask)}-{fmt}.zip", body


async def _in_thread(write: Callable[[Path], object]) -> bytes:
    """Write into a fresh folder in a thread and zip it; a 503 when another download runs."""
    if not _BUSY.acquire(blocking=False):
        raise _Refused(
            JSONResponse(
                {
                    "errors": [
                        {
                            "message": "Another download is being prepared; try again in a minute.",
                            "extensions": {"code": "SERVICE_UNAVAILABLE", "reason": "BUSY"},
                        }
                    ]
                },
                status_code=503,
                headers={"Retry-After": "20"},
            ),
            "SERVICE_UNAVAILABLE",
        )

    def work() -> bytes:
        # Released by the thread itself: a request cut at the time limit leaves the thread
        # running, and the next download waits for it rather than piling up beside it.
        try:
            with tempfile.TemporaryDirectory(prefix="maillage-download-") as tmp:
                folder = Path(tmp)
                write(folder)
                return _zipped(folder)
        finally:
            _BUSY.release()

    return await asyncio.to_thread(work)


def _zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


async def _audit(
    request: Request,
    db: Database,
    principal: Principal,
    operation: str,
    outcome: str,
    now: datetime,
    networks: tuple[str, ...],
) -> None:
    try:
        await audit.append(
            db,
            [
                audit.AuditRecord(
                    at=now,
                    operation=operation,
                    outcome=outcome,
                    user_id=principal.user_id,
                    token_id=principal.token_id,
                    request_id=getattr(request.state, "request_id", "-"),
                    target_id=",".join(networks) or None,
                    actor_organization_ids=tuple(principal.org_roles),
                    kind="EXPORT",
                )
            ],
        )
    except Exception:
        log.exception("could not write the audit trail of a download")
