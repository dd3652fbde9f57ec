"""The HTTP edge: health, readiness, authentication and request ids."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import httpx
import pytest

from graph.access.identity import revoke_token
from server.app import create_app
from server.settings import Settings
from tests.conftest import Api, World


async def test_healthz_answers_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_when_neo4j_answers_and_migrations_are_applied(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"


async def test_graphql_without_a_token_is_401(anonymous: Api) -> None:
    response = await anonymous.raw("{ needs { code } }")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphql_with_an_unknown_token_is_401(client: httpx.AsyncClient) -> None:
    response = await Api(client, "mlg_not-a-real-token").raw("{ needs { code } }")
    assert response.status_code == 401
    assert "unknown or revoked" in response.json()["errors"][0]["message"]


async def test_a_revoked_token_is_401(world: World, client: httpx.AsyncClient) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    created = await admin.data(
        'mutation { createApiToken(label: "to revoke") { secret token { id } } }'
    )
    secret = created["createApiToken"]["secret"]
    token_id = created["createApiToken"]["token"]["id"]
    assert (await Api(client, secret).raw("{ me { roles } }")).status_code == 200
    await admin.data(
        "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }", {"id": token_id}
    )
    assert (await Api(client, secret).raw("{ me { roles } }")).status_code == 401


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")
    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_sane_incoming_request_id_is_kept(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123-def-456"})
    assert response.headers["x-request-id"] == "abc-123-def-456"


async def test_me_lists_the_callers_roles(world: World) -> None:
    network = await world.network()
    org = await world.organization(network)
    staff = await world.caller("ORG_ADMIN", organization=org)
    me = (await staff.data("{ me { roles organizationRoles { role organization { name } } } }"))[
        "me"
    ]
    assert me["roles"] == ["ORG_ADMIN"]
    assert me["organizationRoles"] == [{"role": "ORG_ADMIN", "organization": {"name": org["name"]}}]


async def test_a_revoked_token_stops_working_within_the_auth_cache_delay(
    settings: Settings, world: World
) -> None:
    seconds = [1000.0]  # the principal cache's clock, moved by hand
    cached = create_app(
        replace(settings, auth_cache_seconds=1), run_sweeper=False, monotonic=lambda: seconds[0]
    )
    admin = await world.caller("PLATFORM_ADMIN")
    async with cached.router.lifespan_context(cached):
        transport = httpx.ASGITransport(app=cached)
        async with httpx.AsyncClient(transport=transport, base_url="http://m.test") as c:
            api = Api(c, admin.token)
            first = await api.data("{ apiTokens { id } }")
            token_id = first["apiTokens"][0]["id"]
            await revoke_token(world.db, token_id)
            # still served from this process's cache for at most a second...
            seconds[0] += 0.9
            assert (await api.raw("{ me { roles } }")).status_code == 200
            seconds[0] += 0.2
            # ...then refused
            assert (await api.raw("{ me { roles } }")).status_code == 401


async def test_a_client_gone_before_its_body_is_read_is_logged_not_raised(
    app: Any, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The ASGI app called as uvicorn does, signed in, with a client that disconnects at once."""
    token = (await world.caller("PLATFORM_ADMIN")).token
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
        "root_path": "", "server": ("maillage.test", 80), "client": ("127.0.0.1", 5000),
        "headers": [(b"host", b"maillage.test"), (b"content-type", b"application/json"),
                    (b"content-length", b"40"), (b"authorization", f"Bearer {token}".encode())],
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with caplog.at_level(logging.INFO, logger="maillage.access"):
        await app(scope, receive, send)  # raises ClientDisconnect without the middleware
    (line,) = [r for r in caplog.records if r.name == "maillage.access"]
    assert (line.path, line.status) == ("/graphql", 499)  # type: ignore[attr-defined]
