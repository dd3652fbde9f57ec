"""The web app's downloads: the board report and the research export, as zips, with the API's rules.

A small network (A, B, C from 2024): A sent B four referrals in 2024 and B
sent C three in 2025, each with a family reference and a comment that must
never reach a file. Callers sign in as the web app does (a session cookie),
or send their API token.
"""

from __future__ import annotations

import asyncio
import csv
import io
import threading
import time
import uuid
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from domain.lifecycle import Action
from graph.access import audit
from graph.db import Database
from graph.directory import networks, organizations
from graph.directory.organizations import OrganizationInput
from server import downloads
from server.app import create_app
from server.settings import Settings
from tests.conftest import Api, World, unique
from tests.graphml_schema import assert_valid_graphml
from tests.test_report import COMMENT, FAMILY, _move, _send

ORIGIN = "http://maillage.test"
WINDOW = {"from": "2024-01-01", "to": "2025-12-31"}


@pytest.fixture(scope="module")
async def small(db: Database) -> dict[str, Any]:
    net = await networks.create_network(db, name=unique("Table des téléchargements "))
    ids: dict[str, str] = {}
    for key, kind in zip("ABC", ["COMMUNITY", "FOOD_SECURITY", "HOUSING"], strict=True):
        org = await organizations.create_organization(
            db,
            OrganizationInput(name=unique(f"Organisme {key} "), kind=kind),
            network_id=net["id"],
            member_since=date(2024, 1, 1),
        )
        ids[key] = org["id"]
    n = 0
    for year, source, target, count in [(2024, "A", "B", 4), (2025, "B", "C", 3)]:
        for i in range(count):
            n += 1
            when = datetime(year, 2 + 3 * i, 5, 10, tzinfo=UTC)
            rid = await _send(db, ids[source], ids[target], when, n)
            await _move(db, rid, ids[target], when, Action.ACKNOWLEDGE)
    names = await organizations.organizations_by_id(db, list(ids.values()))
    return {"network": net, "ids": ids, "names": [names[i]["name"] for i in ids.values()]}


async def _signed_in(client: httpx.AsyncClient, api: Api) -> httpx.AsyncClient:
    response = await client.post("/session", json={"token": api.token}, headers={"Origin": ORIGIN})
    assert response.status_code == 200, response.text
    return client


def _zip(response: httpx.Response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return zipfile.ZipFile(io.BytesIO(response.content))


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    return str(error["message"])


async def _exports(db: Database, user_id: str) -> list[tuple[str, str]]:
    rows, _ = await audit.find_entries(
        db, organization_id=None, since=None, until=None, skip=0, limit=200
    )
    return [
        (r["operation"], r["outcome"])
        for r in rows
        if r["userId"] == user_id and r["kind"] == "EXPORT"
    ]


async def test_a_coordinator_downloads_the_board_report_of_the_window(
    client: httpx.AsyncClient, world: World, small: dict[str, Any], db: Database
) -> None:
    coordinator = await world.caller("COORDINATOR", network=small["network"])
    await _signed_in(client, coordinator)
    response = await client.get(
        "/downloads/report",
        params={"network": small["network"]["id"], **WINDOW, "period": "quarter"},
    )
    archive = _zip(response)
    names = set(archive.namelist())
    assert "index.html" in names
    assert {"figures/network-2024.png", "figures/network-2025.png", "figures/funnel.png"} <= names
    page = archive.read("index.html").decode()
    assert small["network"]["name"] in page
    assert "Du 2024-01-01 au 2025-12-31" in page and "trimestre" in page
    for name in names:
        if name.endswith(".png"):
            assert archive.read(name).startswith(b"\x89PNG"), name
    everything = b"".join(archive.read(n) for n in names)
    assert FAMILY.encode() not in everything and COMMENT.encode() not in everything
    assert ("analytics.region", "OK") in await _exports(db, coordinator.user_id)  # type: ignore[attr-defined]


async def test_a_platform_admin_downloads_the_report_with_an_api_token(
    client: httpx.AsyncClient, world: World, small: dict[str, Any]
) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    response = await client.get(
        "/downloads/report",
        params={"network": small["network"]["id"], "from": "2025-01-01", "to": "2025-12-31"},
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert "index.html" in _zip(response).namelist()


async def test_a_researcher_downloads_a_de_identified_export_under_their_pseudonyms(
    client: httpx.AsyncClient, world: World, small: dict[str, Any], db: Database
) -> None:
    researcher = await world.caller("RESEARCHER", network=small["network"])
    await _signed_in(client, researcher)
    params = {"network": small["network"]["id"], **WINDOW, "period": "quarter"}
    archive = _zip(await client.get("/downloads/research", params=params))
    names = set(archive.namelist())
    expected = {
        "README.md", "edges.csv", "nodes.csv", "network_metrics.csv",
        "organization_metrics.csv", "funnel_need_territory.csv", "presence.csv", "event_log.csv",
    }  # fmt: skip
    assert expected <= names
    assert any(n.startswith("panel/") for n in names)
    everything = b"".join(archive.read(n) for n in names).decode()
    for name in small["names"]:
        assert name not in everything
    for directory_id in small["ids"].values():
        assert directory_id not in everything
    assert FAMILY not in everything and COMMENT not in everything
    # The pseudonyms are the researcher's own: the API gives them the same ones.
    nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode())))
    api = await researcher.data(
        'query($id: ID!) { network(id: $id) { collaboration(from: "2024-01-01", '
        'to: "2025-12-31", period: QUARTER) { periods { nodes { id } } } } }',
        {"id": small["network"]["id"]},
    )
    from_api = {n["id"] for p in api["network"]["collaboration"]["periods"] for n in p["nodes"]}
    assert {row["id"] for row in nodes} <= from_api and from_api
    graphml = _zip(await client.get("/downloads/research", params={**params, "format": "graphml"}))
    periods = [n for n in graphml.namelist() if n.endswith(".graphml")]
    assert periods
    for name in periods:
        assert_valid_graphml(graphml.read(name))
    assert ("analytics.researchExport", "OK") in await _exports(db, researcher.user_id)  # type: ignore[attr-defined]


async def test_a_coordinator_downloads_the_research_export_too(
    client: httpx.AsyncClient, world: World, small: dict[str, Any]
) -> None:
    coordinator = await world.caller("COORDINATOR", network=small["network"])
    params = {"network": small["network"]["id"], **WINDOW, "period": "quarter", "format": "json"}
    response = await client.get(
        "/downloads/research",
        params=params,
        headers={"Authorization": f"Bearer {coordinator.token}"},
    )
    assert "nodes.json" in _zip(response).namelist()


async def test_roles_the_api_refuses_are_refused_a_coded_403_and_audited(
    client: httpx.AsyncClient, world: World, small: dict[str, Any], db: Database
) -> None:
    net = small["network"]
    params = {"network": net["id"], **WINDOW, "period": "quarter"}
    researcher = await world.caller("RESEARCHER", network=net)
    refused = await client.get(
        "/downloads/report", params=params, headers={"Authorization": f"Bearer {researcher.token}"}
    )
    assert "coordinator" in _error(refused, 403, "FORBIDDEN")
    staff = await world.caller("ORG_STAFF", {"id": small["ids"]["A"]})
    for path in ("/downloads/report", "/downloads/research"):
        response = await client.get(
            path, params=params, headers={"Authorization": f"Bearer {staff.token}"}
        )
        _error(response, 403, "FORBIDDEN")
    elsewhere = await world.caller("COORDINATOR", network=await world.network())
    response = await client.get(
        "/downloads/research", params=params, headers={"Authorization": f"Bearer {elsewhere.token}"}
    )
    _error(response, 403, "FORBIDDEN")
    assert await _exports(db, researcher.user_id) == [("analytics.region", "FORBIDDEN")]  # type: ignore[attr-defined]
    assert sorted(await _exports(db, staff.user_id)) == [  # type: ignore[attr-defined]
        ("analytics.region", "FORBIDDEN"), ("analytics.researchExport", "FORBIDDEN"),
    ]  # fmt: skip


async def test_downloads_need_a_session_and_the_apps_own_origin(
    client: httpx.AsyncClient, world: World, small: dict[str, Any]
) -> None:
    params = {"network": small["network"]["id"], **WINDOW}
    _error(await client.get("/downloads/report", params=params), 401, "UNAUTHENTICATED")
    coordinator = await world.caller("COORDINATOR", network=small["network"])
    await _signed_in(client, coordinator)
    response = await client.get(
        "/downloads/report", params=params, headers={"Origin": "https://evil.example"}
    )
    _error(response, 403, "FORBIDDEN")
    await client.delete(
        "/session",
        headers={
            "Origin": ORIGIN,
            "X-CSRF-Token": (await client.get("/session")).json()["csrfToken"],
        },
    )
    _error(await client.get("/downloads/report", params=params), 401, "UNAUTHENTICATED")


REPORT, RESEARCH = "/downloads/report", "/downloads/research"
QUARTERS = {**WINDOW, "period": "quarter"}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        pytest.param(REPORT, {"from": "2024-13-01", "to": "2025-12-31"}, "from", id="bad-month"),
        pytest.param(REPORT, {"from": "hier", "to": "2025-12-31"}, "from", id="not-a-date"),
        pytest.param(REPORT, {"from": "2025-01-01"}, "to", id="no-end"),
        pytest.param(REPORT, {"from": "2025-06-01", "to": "2025-01-01"}, "to", id="backwards"),
        pytest.param(REPORT, {**WINDOW, "period": "week"}, "period", id="bad-period"),
        pytest.param(RESEARCH, {**QUARTERS, "from": "2024-02-01"}, "period", id="not-quarters"),
        pytest.param(RESEARCH, {**QUARTERS, "format": "xlsx"}, "format", id="bad-format"),
        pytest.param(RESEARCH, {**QUARTERS, "period": "month"}, "period", id="not-per-quarter"),
    ],
)
async def test_bad_parameters_are_a_coded_400_naming_the_field(
    client: httpx.AsyncClient,
    world: World,
    small: dict[str, Any],
    path: str,
    params: dict[str, str],
    field: str,
) -> None:
    coordinator = await world.caller("COORDINATOR", network=small["network"])
    response = await client.get(
        path,
        params={"network": small["network"]["id"], **params},
        headers={"Authorization": f"Bearer {coordinator.token}"},
    )
    _error(response, 400, "BAD_USER_INPUT")
    assert response.json()["errors"][0]["extensions"]["field"] == field


async def test_no_network_or_an_unknown_one_is_said_plainly(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    headers = {"Authorization": f"Bearer {admin.token}"}
    missing = await client.get("/downloads/report", params=WINDOW, headers=headers)
    assert "network" in _error(missing, 400, "BAD_USER_INPUT")
    unknown = await client.get(
        "/downloads/report", params={"network": str(uuid.uuid4()), **WINDOW}, headers=headers
    )
    assert "No network" in _error(unknown, 404, "NOT_FOUND")


async def test_a_second_download_while_one_is_being_prepared_is_asked_to_retry(
    client: httpx.AsyncClient, world: World, small: dict[str, Any]
) -> None:
    coordinator = await world.caller("COORDINATOR", network=small["network"])
    params = {"network": small["network"]["id"], **WINDOW}
    assert downloads._BUSY.acquire(blocking=False)  # a download under way in another request
    try:
        response = await client.get(
            "/downloads/report",
            params=params,
            headers={"Authorization": f"Bearer {coordinator.token}"},
        )
    finally:
        downloads._BUSY.release()
    assert "try again" in _error(response, 503, "SERVICE_UNAVAILABLE")
    assert response.headers["retry-after"]


async def test_a_report_that_fails_is_a_coded_500_with_the_request_id(
    client: httpx.AsyncClient,
    world: World,
    small: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from server import report

    def broken(data: Any, out: Any) -> Any:
        raise RuntimeError("matplotlib fell over")

    monkeypatch.setattr(report, "write_report", broken)
    coordinator = await world.caller("COORDINATOR", network=small["network"])
    response = await client.get(
        "/downloads/report",
        params={"network": small["network"]["id"], **WINDOW},
        headers={"Authorization": f"Bearer {coordinator.token}", "X-Request-ID": "req-boom-1"},
    )
    message = _error(response, 500, "INTERNAL")
    assert "matplotlib" not in message and "req-boom-1" in message
    assert downloads._BUSY.acquire(blocking=False), "the failed download let the next one in"
    downloads._BUSY.release()


async def test_a_report_past_the_request_time_limit_is_a_coded_503_and_nothing_hangs(
    settings: Settings, world: World, small: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from server import report

    release = threading.Event()

    def slow(data: Any, out: Any) -> Any:
        release.wait(20)  # matplotlib on a very busy machine

    monkeypatch.setattr(report, "write_report", slow)
    coordinator = await world.caller("COORDINATOR", network=small["network"])
    app = create_app(replace(settings, request_time_limit_seconds=1.0), run_sweeper=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as hurried:
            began = time.monotonic()
            response = await hurried.get(
                "/downloads/report",
                params={"network": small["network"]["id"], **WINDOW},
                headers={"Authorization": f"Bearer {coordinator.token}"},
            )
            waited = time.monotonic() - began
    assert response.status_code == 503 and waited < 10
    assert response.json()["errors"][0]["extensions"]["reason"] == "REQUEST_TIME_LIMIT"
    # The abandoned thread still holds the slot until it ends: no second report beside it.
    assert not downloads._BUSY.acquire(blocking=False)
    release.set()
    # Wait on the slot itself (bounded): the thread gives it back as it ends.
    assert await asyncio.to_thread(downloads._BUSY.acquire, True, 20), "the slot was never freed"
    downloads._BUSY.release()
