"""Batch loading: a network's members with nested services cost a fixed number of queries.

The hot read paths are one query each (tests/test_read_round_trips.py); the
others resolve relations through per-request DataLoaders. Without batching,
``network { members { organization { services { needs territories } } } }``
would issue one query per organization and several per service (the N+1
problem). With the loaders each relation is one query, whatever the number
of members. Counts come from ``Database.queries``, the app's own counter.
"""

from __future__ import annotations

from typing import Any

from graph.db import Database
from tests.conftest import Api, World

NESTED_PAGE = """
query($network: ID!) {
  network(id: $network) {
    members { organization {
      name
      services { name needs { code } territories { code } organization { name } }
    } }
  }
}
"""

# One query each: the token (authentication), the network, its members, their
# organizations, and the loaders for services of organizations, needs of
# services and territories of services (each service's organization is
# already in the organization loader's cache).
EXPECTED_QUERIES = 7


async def directory(world: World, organizations: int) -> dict[str, Any]:
    """A network of ``organizations`` members, each with two services in one territory."""
    network = await world.network()
    territory = await world.territory()
    for index in range(organizations):
        org = await world.organization(network, name=f"Organisme {index:02d}")
        await world.service(org, ["HOUSING", "INCOME"], territories=[territory], name="Logement")
        await world.service(org, ["FOOD_SECURITY"], "WAITLIST", name="Repas")
    return network


async def queries_for(db: Database, caller: Api, network: dict[str, Any]) -> tuple[int, Any]:
    """Cypher statements one request issues, and its data."""
    await caller.data("{ me { roles } }")  # the token's first use also records lastUsedAt
    before = db.queries
    data = await caller.data(NESTED_PAGE, {"network": network["id"]})
    return db.queries - before, data


async def test_thirty_organizations_with_nested_services_cost_a_fixed_number_of_queries(
    world: World, db: Database
) -> None:
    network = await directory(world, 30)
    caller = await world.caller("PLATFORM_ADMIN")
    count, data = await queries_for(db, caller, network)
    members = data["network"]["members"]
    assert len(members) == 30
    first = min((m["organization"] for m in members), key=lambda o: str(o["name"]))
    assert first["name"] == "Organisme 00"
    assert first["services"] == [  # OPEN before WAITLIST
        {
            "name": "Logement",
            "needs": [{"code": "HOUSING"}, {"code": "INCOME"}],
            "territories": [{"code": first["services"][0]["territories"][0]["code"]}],
            "organization": {"name": "Organisme 00"},
        },
        {
            "name": "Repas",
            "needs": [{"code": "FOOD_SECURITY"}],
            "territories": [],
            "organization": {"name": "Organisme 00"},
        },
    ]
    assert count == EXPECTED_QUERIES


async def test_the_query_count_does_not_grow_with_the_page(world: World, db: Database) -> None:
    small, large = await directory(world, 5), await directory(world, 30)
    caller = await world.caller("PLATFORM_ADMIN")
    small_count, small_data = await queries_for(db, caller, small)
    large_count, large_data = await queries_for(db, caller, large)
    assert len(small_data["network"]["members"]) == 5
    assert len(large_data["network"]["members"]) == 30
    assert small_count == large_count == EXPECTED_QUERIES
