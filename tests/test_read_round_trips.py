"""The hot read paths cost one Cypher query each, whatever they nest.

Counted with ``Database.queries``, the app's own counter, on the real Neo4j.
Each request also looks its token up (one query: the tests' app caches no
principal), so a hot read is two statements in all; a reintroduced N+1 or a
stray loader makes it more.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.db import Database
from tests.conftest import Api, World, referral_through_graph

TOKEN_LOOKUP = 1

SERVICES = """
query($territory: ID!) {
  services(filter: {needCode: "HOUSING", territoryId: $territory}, first: 10) {
    totalCount
    edges { node { name availability organization { name } needs { code labelFr } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ORGANIZATIONS = """
query($network: ID!) {
  organizations(filter: {networkId: $network}, first: 50) {
    edges { node { name services { name availability needs { code } territories { code } } } }
  }
}
"""
ORGANIZATION = """
query($org: ID!) {
  organization(id: $org) { name kind services { name needs { code } territories { name } } }
}
"""
INBOX = """
query($org: ID!) {
  referrals(box: INCOMING, organizationId: $org, first: 20) {
    totalCount countsByStatus { status count }
    edges { node { id status urgency sentAt overdue needCodes sender { name }
                   service { name organization { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
OUTBOX_WITH_FRAGMENTS = """
query($sender: ID!) {
  referrals(box: OUTGOING, organizationId: $sender, first: 20) {
    edges { node { ...Row } }
  }
}
fragment Row on Referral { id ... on Referral { receiver { ...Name } } }
fragment Name on Organization { name services { name } }
"""
REFERRAL = """
query($id: ID!) {
  referral(id: $id) { id status loopClosed sender { name } receiver { name kind } }
}
"""


async def _world(world: World, db: Database) -> dict[str, Any]:
    network = await world.network()
    territory = await world.territory()
    sender = await world.organization(network)
    receiver = await world.organization(network, kind="HOUSING")
    for org in (sender, receiver):
        await world.service(org, ["HOUSING"], territories=[territory])
        await world.service(org, ["FOOD_SECURITY"], "WAITLIST")
    referrals = [await referral_through_graph(db, sender["id"], receiver["id"], [])
                 for _ in range(3)]  # fmt: skip
    return {
        "network": network["id"],
        "territory": territory["id"],
        "org": receiver["id"],
        "sender": sender["id"],
        "id": referrals[0],
        "ids": referrals,
        "staff": await world.caller("ORG_STAFF", organization=receiver),
        "sender_staff": await world.caller("ORG_STAFF", organization=sender),
    }


@pytest.mark.parametrize(
    ("query", "variables", "field", "size"),
    [
        pytest.param(SERVICES, ("territory",), "services", 2, id="services directory search"),
        pytest.param(ORGANIZATIONS, ("network",), "organizations", 2, id="organizations page"),
        pytest.param(ORGANIZATION, ("org",), "organization", None, id="organization"),
        pytest.param(INBOX, ("org",), "referrals", 3, id="referrals inbox"),
        pytest.param(
            OUTBOX_WITH_FRAGMENTS, ("sender",), "referrals", 3, id="outbox through fragments"
        ),
        pytest.param(REFERRAL, ("id",), "referral", None, id="referral"),
    ],
)
async def test_a_hot_read_is_one_query(
    world: World,
    db: Database,
    query: str,
    variables: tuple[str, ...],
    field: str,
    size: int | None,
) -> None:
    ctx = await _world(world, db)
    caller: Api = ctx["sender_staff"] if "sender" in variables else ctx["staff"]
    await caller.data("{ me { roles } }")  # the token's first use also records lastUsedAt
    before = db.queries
    data = await caller.data(query, {name: ctx[name] for name in variables})
    assert db.queries - before == TOKEN_LOOKUP + 1
    if size is not None:
        assert len(data[field]["edges"]) == size
    else:
        assert data[field] is not None


async def test_the_nested_fields_of_one_query_are_those_the_loaders_gave(
    world: World, db: Database
) -> None:
    ctx = await _world(world, db)
    data = await ctx["staff"].data(INBOX, {"org": ctx["org"]})
    page = data["referrals"]
    assert page["totalCount"] == 3
    assert {c["status"]: c["count"] for c in page["countsByStatus"]}["SENT"] == 3
    assert [e["node"]["id"] for e in page["edges"]] == ctx["ids"][::-1]
    node = page["edges"][0]["node"]
    assert node["service"] is None and node["sender"]["name"].startswith("Organisme ")
    assert node["overdue"] is False and node["needCodes"] == ["FOOD_SECURITY"]
