"""Inbox and outbox pages: keyset cursors that hold still while referrals arrive.

An inbox is read newest first, and new referrals arrive at its top. With an
offset cursor, a referral that arrives between two page requests pushes the
last one seen onto the next page again; a keyset cursor — the ``sentAt`` and
id of the last referral seen — starts the next page after it, whatever arrived.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from graph.db import Database
from graph.projection import Projection
from graph.referral import reads
from graph.referral.commands import ReferralFilter
from tests.conftest import Api, World, referral_through_graph

INBOX = """
query($org: ID!, $after: String) {
  referrals(box: INCOMING, organizationId: $org, first: 2, after: $after) {
    edges { node { id } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


async def _inbox(world: World) -> tuple[dict[str, Any], dict[str, Any], Api]:
    network = await world.network()
    sender = await world.organization(network)
    receiver = await world.organization(network, kind="FOOD_SECURITY")
    return sender, receiver, await world.caller("ORG_STAFF", organization=receiver)


async def _page(caller: Api, org: str, after: str | None = None) -> dict[str, Any]:
    data = await caller.data(INBOX, {"org": org, "after": after})
    return dict(data["referrals"])


def _ids(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


async def test_a_referral_arriving_between_two_pages_does_not_shift_the_next_page(
    world: World, db: Database
) -> None:
    sender, receiver, staff = await _inbox(world)
    sent = [await referral_through_graph(db, sender["id"], receiver["id"], []) for _ in range(5)]
    newest_first = sent[::-1]
    first = await _page(staff, receiver["id"])
    assert _ids(first) == newest_first[:2]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    arrived = await referral_through_graph(db, sender["id"], receiver["id"], [])
    second = await _page(staff, receiver["id"], first["pageInfo"]["endCursor"])
    assert _ids(second) == newest_first[2:4]
    assert second["pageInfo"]["hasPreviousPage"] is True
    last = await _page(staff, receiver["id"], second["pageInfo"]["endCursor"])
    assert _ids(last) == newest_first[4:]
    assert last["pageInfo"]["hasNextPage"] is False
    assert _ids(await _page(staff, receiver["id"]))[0] == arrived


async def test_an_offset_cursor_of_the_directory_is_refused_by_the_inbox(world: World) -> None:
    _, receiver, staff = await _inbox(world)
    offset = base64.urlsafe_b64encode(b"o:3").decode()
    body = await staff(INBOX, {"org": receiver["id"], "after": offset})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "after"


async def test_a_cursor_without_a_utc_offset_is_refused(world: World) -> None:
    _, receiver, staff = await _inbox(world)
    forged = base64.urlsafe_b64encode(
        b"k:2026-01-15T09:30:00|1f0c1d2e-0000-4000-8000-000000000000"
    ).decode()
    body = await staff(INBOX, {"org": receiver["id"], "after": forged})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_total_and_the_counts_are_computed_only_when_asked_for(
    world: World, db: Database
) -> None:
    sender, receiver, _ = await _inbox(world)
    for _ in range(3):
        await referral_through_graph(db, sender["id"], receiver["id"], [])
    flt = ReferralFilter(organization_id=receiver["id"], box="INCOMING")
    now = datetime.now(UTC)
    bare = await reads.referral_page(
        db, flt, Projection(), now=now, after=None, limit=2, with_total=False, with_counts=False
    )
    assert (len(bare.rows), bare.has_next, bare.total, bare.counts) == (2, True, None, None)
    full = await reads.referral_page(
        db, flt, Projection(), now=now, after=None, limit=2, with_total=True, with_counts=True
    )
    assert full.total == 3
    assert full.counts is not None and full.counts["SENT"] == 3 and full.counts["DECLINED"] == 0


NETWORK = """
query($net: ID!, $after: String) {
  referrals(networkId: $net, first: 2, after: $after) {
    edges { node { id } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_a_coordinator_pages_the_network_newest_first(world: World, db: Database) -> None:
    network = await world.network()
    sender = await world.organization(network)
    receiver = await world.organization(network, kind="FOOD_SECURITY")
    sent = [await referral_through_graph(db, sender["id"], receiver["id"], []) for _ in range(3)]
    coordinator = await world.caller("COORDINATOR", network=network)
    first = (await coordinator.data(NETWORK, {"net": network["id"]}))["referrals"]
    after = first["pageInfo"]["endCursor"]
    second = (await coordinator.data(NETWORK, {"net": network["id"], "after": after}))["referrals"]
    assert _ids(first) + _ids(second) == sent[::-1]
    assert (first["pageInfo"]["hasNextPage"], second["pageInfo"]["hasNextPage"]) == (True, False)
