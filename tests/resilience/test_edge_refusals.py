"""Doors at the edge: costly queries refused before validation, coded errors, no suggestions.

Each scenario prints what it measured (``-s``); the assertions are on codes,
messages and on the other clients still being answered, never on speed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from schema.query_cost import query_cost
from server.app import create_app
from server.settings import Settings
from tests.conftest import Api, World

PATIENCE = 30.0


def fan_out(levels: int) -> str:
    """Fragments that each spread the next one twice: 2^(levels-1) fields once expanded."""
    parts = ["query { ...F1 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(1, levels)]
    parts.append(f"fragment F{levels} on Query {{ __typename }}")
    return "\n".join(parts)


def chain(length: int) -> str:
    """Fragments spreading the next one once, ``length`` deep."""
    parts = ["query { ...C1 }"]
    parts += [f"fragment C{i} on Query {{ ...C{i + 1} }}" for i in range(1, length)]
    parts.append(f"fragment C{length} on Query {{ __typename }}")
    return "\n".join(parts)


def test_the_cost_counts_fragments_expanded_and_pages_multiplied() -> None:
    from graphql import parse

    assert query_cost(parse(fan_out(3))).cost == 4  # F1 -> 2 x F2 -> 4 x __typename
    assert query_cost(parse(fan_out(20))).cost == 2**19
    assert query_cost(parse(chain(5))).fragment_depth == 5
    paged = parse(
        "query($n: Int) { needs { code } "
        "a: organizations(first: $n) { edges { node { id name } } } }"
    )
    # needs 1 + code 1; organizations 1 + n x (edges 1 + node 1 + id 1 + name 1)
    assert query_cost(paged, {"n": 50}).cost == 2 + 1 + 50 * 4
    assert query_cost(paged, {}).cost == 2 + 1 + 4
    # A page over the largest allowed counts as the largest: the list refuses it by itself.
    assert query_cost(paged, {"n": 10**6}, max_page_size=100).cost == 2 + 1 + 100 * 4


@pytest.mark.parametrize("levels", [20, 25])
async def test_a_fragment_fan_out_is_refused_at_once_and_other_clients_are_answered(
    levels: int, world: World, client: httpx.AsyncClient
) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    began = time.monotonic()
    attack, bystander = await asyncio.wait_for(
        asyncio.gather(admin(fan_out(levels)), admin.data("{ me { roles } }")), PATIENCE
    )
    seconds = time.monotonic() - began
    size = len(fan_out(levels).encode())
    print(
        f"\nfan-out {levels} levels ({size} bytes): refused, other client answered, {seconds:.3f} s"
    )
    (error,) = attack["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] == 2 ** (levels - 1)
    assert "data" not in attack or attack["data"] is None
    assert bystander == {"me": {"roles": ["PLATFORM_ADMIN"]}}


async def test_three_hundred_chained_fragments_are_a_coded_error(world: World) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    body = await asyncio.wait_for(admin(chain(300)), PATIENCE)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "chains fragments 300 deep" in error["message"]


async def test_an_ordinary_query_with_fragments_passes(world: World) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    data = await admin.data(
        "query { ...Q } fragment Q on Query { me { ...R } } fragment R on Me { roles }"
    )
    assert data == {"me": {"roles": ["PLATFORM_ADMIN"]}}


async def test_a_batch_over_the_limit_is_a_json_error_with_a_code(
    world: World, client: httpx.AsyncClient
) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    batch = [{"query": "{ me { roles } }"}] * 11
    response = await client.post(
        "/graphql", json=batch, headers={"Authorization": f"Bearer {admin.token}"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "errors": [{"message": "Too many operations", "extensions": {"code": "BAD_REQUEST"}}]
    }
    assert response.headers["x-request-id"]


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(replace(settings, env="production"), run_sweeper=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://maillage.test") as c:
            yield c


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        pytest.param("{ organizations(filtr: {}) { totalCount } }", None, id="argument-name"),
        pytest.param("{ referrals(box: INCOMIN) { totalCount } }", None, id="enum-literal"),
        pytest.param(
            "query($b: Box!) { referrals(box: $b) { totalCount } }",
            {"b": "INCOMIN"},
            id="enum-variable",
        ),
        pytest.param("{ neds { code } }", None, id="field-name"),
    ],
)
async def test_production_suggests_no_name_of_any_kind(
    query: str, variables: dict[str, Any] | None, world: World, production: httpx.AsyncClient
) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    body = await Api(production, admin.token)(query, variables)
    messages = [error["message"] for error in body["errors"]]
    assert messages and all("Did you mean" not in m for m in messages), messages
    assert all("INCOMING" not in m and "'filter'" not in m for m in messages), messages
