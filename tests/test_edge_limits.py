"""Abuse at the GraphQL edge: each attempt is refused cleanly and the server stays healthy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.settings import Settings
from tests.conftest import Api, World


@pytest.fixture(scope="module")
async def strict_app(settings: Settings) -> AsyncIterator[Any]:
    """The app with its real limits (the shared test app lifts the rate limit)."""
    strict = replace(
        settings, rate_limit_per_minute=600, rate_limit_burst=100, max_body_bytes=1_000_000
    )
    app = create_app(strict, run_sweeper=False)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def strict(strict_app: Any, world: World) -> AsyncIterator[Api]:
    admin = await world.caller("PLATFORM_ADMIN")
    transport = httpx.ASGITransport(app=strict_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://maillage.test") as c:
        yield Api(c, admin.token)


async def _healthy(api: Api) -> None:
    assert (await api.client.get("/healthz")).status_code == 200
    body = await api("{ needs { code } }")
    assert "errors" not in body and len(body["data"]["needs"]) >= 12


def _codes(body: dict[str, Any]) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors", [])}


async def test_a_depth_40_query_is_refused_before_any_database_work(strict: Api) -> None:
    # services > edges > node, then organization > services pairs down to depth 40
    inner = "organization { services { " * 18 + "id" + " } }" * 18
    query = "{ services(first: 1) { edges { node { " + inner + " } } } }"
    assert query.count("{") == 40  # the root, then 39 nested fields and `id` at depth 40
    body = await strict(query)
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert _codes(body) == {"GRAPHQL_VALIDATION_FAILED"}
    await _healthy(strict)


async def test_a_thousand_aliases_are_refused(strict: Api) -> None:
    query = "{ " + " ".join(f"a{i}: needs {{ code }}" for i in range(1000)) + " }"
    body = await strict(query)
    assert _codes(body) == {"GRAPHQL_VALIDATION_FAILED"}
    # 6,000 tokens: the token limit stops it while parsing, before the alias count
    assert "tokens" in body["errors"][0]["message"].lower()
    await _healthy(strict)


async def test_more_aliases_than_allowed_are_refused_even_in_a_short_query(strict: Api) -> None:
    query = "{ " + " ".join(f"a{i}: me {{ roles }}" for i in range(31)) + " }"
    body = await strict(query)
    assert _codes(body) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "aliases" in body["errors"][0]["message"].lower()
    within = await strict("{ " + " ".join(f"a{i}: me {{ roles }}" for i in range(30)) + " }")
    assert "errors" not in within


async def test_too_many_tokens_are_refused(strict: Api) -> None:
    query = "{ needs { " + " ".join(["code"] * 4000) + " } }"
    body = await strict(query)
    assert _codes(body) == {"GRAPHQL_VALIDATION_FAILED"}
    await _healthy(strict)


async def test_a_five_megabyte_body_is_refused_with_413(strict: Api) -> None:
    padding = "x" * (5 * 1024 * 1024)
    response = await strict.raw("{ needs { code } }", {"padding": padding})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    await _healthy(strict)


async def test_a_page_of_a_hundred_thousand_is_refused(strict: Api) -> None:
    body = await strict("{ organizations(first: 100000) { totalCount } }")
    assert _codes(body) == {"BAD_USER_INPUT"}
    assert "largest page is 100" in body["errors"][0]["message"]
    await _healthy(strict)


async def test_a_burst_of_a_thousand_requests_meets_429_with_retry_after(
    strict: Api, world: World
) -> None:
    burster = await world.caller("PLATFORM_ADMIN")
    api = Api(strict.client, burster.token)
    statuses: list[int] = []
    retry_after: set[str] = set()
    for chunk in range(10):
        responses = await asyncio.gather(*[api.raw("{ me { roles } }") for _ in range(100)])
        for r in responses:
            statuses.append(r.status_code)
            if r.status_code == 429:
                retry_after.add(r.headers["retry-after"])
                assert r.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        del chunk
    assert statuses.count(200) >= 100  # the burst allowance is served
    assert statuses.count(429) >= 800  # the rest is refused, not queued
    assert set(statuses) == {200, 429}
    assert all(int(v) >= 1 for v in retry_after)
    # another token is not affected, and the server is healthy
    await _healthy(strict)


async def test_a_batch_over_the_limit_is_refused(strict: Api) -> None:
    batch = [{"query": "{ needs { code } }"} for _ in range(11)]
    response = await strict.client.post(
        "/graphql", json=batch, headers={"Authorization": f"Bearer {strict.token}"}
    )
    assert response.status_code == 400
    small = await strict.client.post(
        "/graphql", json=batch[:2], headers={"Authorization": f"Bearer {strict.token}"}
    )
    assert small.status_code == 200 and len(small.json()) == 2


@pytest.fixture(scope="module")
async def production_app(settings: Settings) -> AsyncIterator[Any]:
    app = create_app(replace(settings, env="production"), run_sweeper=False)
    async with app.router.lifespan_context(app):
        yield app


async def test_production_has_no_graphiql_no_introspection_and_no_suggestions(
    production_app: Any, world: World
) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    transport = httpx.ASGITransport(app=production_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://maillage.test") as c:
        page = await c.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code in {401, 404}
        api = Api(c, admin.token)
        body = await api("{ __schema { types { name } } }")
        assert _codes(body) == {"GRAPHQL_VALIDATION_FAILED"}
        assert "introspection" in body["errors"][0]["message"].lower()
        typo = await api("{ neds { code } }")
        assert "Did you mean" not in typo["errors"][0]["message"]
