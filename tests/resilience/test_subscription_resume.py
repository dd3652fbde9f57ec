"""Subscriptions re-check their caller and resume after a feed position, missing nothing.

Over the app in process (ASGI WebSocket transport), against the real Neo4j.
The app's settings poll for events every 0.5 s and, in the shared test app,
re-check the caller on every poll (auth cache 0).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from domain.lifecycle import Action
from graph.access import identity
from graph.db import Database
from graph.referral import feed as event_feed
from tests.conftest import Api, World, referral_through_graph

EVENTS = """subscription($org: ID!, $after: Int) {
  referralEvents(organizationId: $org, after: $after) { referralId position event { type } } }"""
WAIT = 20.0  # seconds: bounded waits for what the server must send


@asynccontextmanager
async def subscribed(app: Any, token: str, variables: dict[str, Any]) -> AsyncIterator[Any]:
    async with (
        httpx.AsyncClient(
            transport=ASGIWebSocketTransport(app=app), base_url="http://maillage.test"
        ) as client,
        aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws,  # type: ignore[var-annotated]
    ):
        await ws.send_json(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        )
        assert (await ws.receive_json(timeout=WAIT))["type"] == "connection_ack"
        await ws.send_json(
            {"id": "1", "type": "subscribe", "payload": {"query": EVENTS, "variables": variables}}
        )
        yield ws


async def notices(ws: Any, count: int) -> list[dict[str, Any]]:
    """The next ``count`` notices, failing on an error or the end of the stream."""
    got: list[dict[str, Any]] = []
    while len(got) < count:
        message = await ws.receive_json(timeout=WAIT)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        got.append(message["payload"]["data"]["referralEvents"])
    return got


async def _feed(db: Database, organization_id: str) -> list[tuple[str, int, str]]:
    """The organization's events as (referral, position, type), read straight from the graph."""
    rows = await db.rows(
        "MATCH (s:Organization)-[:SENT]->(r:Referral)-[:TO]->(t:Organization), "
        "(r)-[:HAS_EVENT]->(e) WHERE $org IN [s.id, t.id] "
        "RETURN r.id AS rid, CASE WHEN s.id = $org THEN e.senderPosition "
        "ELSE e.receiverPosition END AS position, e.type AS type ORDER BY position",
        org=organization_id,
    )
    return [(row["rid"], int(row["position"]), row["type"]) for row in rows]


async def test_a_resumed_subscription_gets_every_later_event_once_in_order(
    app: Any, world: World, db: Database
) -> None:
    network = await world.network()
    sender, receiver = await world.organization(network), await world.organization(network)
    staff = await world.caller("ORG_STAFF", receiver)
    first = await referral_through_graph(db, sender["id"], receiver["id"], [Action.ACKNOWLEDGE])
    # The client saw the first referral's SENT event, then lost its connection ...
    seen = (await _feed(db, receiver["id"]))[0][1]
    second = await referral_through_graph(db, sender["id"], receiver["id"], [Action.ACKNOWLEDGE])
    outsider = await world.organization(network)  # not the receiver's: never shown to it
    await referral_through_graph(db, sender["id"], outsider["id"], [])
    expected = [event for event in await _feed(db, receiver["id"]) if event[1] > seen]
    assert {rid for rid, _, _ in expected} == {first, second}
    # ... and resumes after it: the events written while it was away come first, in order.
    async with subscribed(app, str(staff.token), {"org": receiver["id"], "after": seen}) as ws:
        got = await notices(ws, len(expected))
        assert [(n["referralId"], n["position"], n["event"]["type"]) for n in got] == expected
        third = await referral_through_graph(db, sender["id"], receiver["id"], [])
        (live,) = await notices(ws, 1)
        assert (live["referralId"], live["position"]) == (third, expected[-1][1] + 1)
    print(
        f"\nresumed after position {seen}: {len(expected)} missed events, then 1 live, none twice"
    )


async def test_concurrent_writers_leave_each_feed_gap_free_in_commit_order(
    world: World, db: Database
) -> None:
    # Twelve senders at once to one receiver, which at the same time refers back to two
    # of them (opposite lock orders if feeds were not locked in id order): every feed is
    # 1..n, with no gap and no repeat.
    network = await world.network()
    hub = await world.organization(network)
    senders = [await world.organization(network) for _ in range(12)]
    pairs = [(s["id"], hub["id"]) for s in senders] + [(hub["id"], s["id"]) for s in senders[:2]]
    sent = await asyncio.wait_for(
        asyncio.gather(*(referral_through_graph(db, a, b, [Action.ACKNOWLEDGE]) for a, b in pairs)),
        WAIT,
    )
    hub_feed = await _feed(db, hub["id"])
    assert [position for _, position, _ in hub_feed] == list(range(1, 2 * len(pairs) + 1))
    assert {rid for rid, _, _ in hub_feed} == set(sent)
    for i, sender in enumerate(senders):
        feed = await _feed(db, sender["id"])
        mine = {sent[i], sent[12 + i]} if i < 2 else {sent[i]}
        assert [position for _, position, _ in feed] == list(range(1, 2 * len(mine) + 1))
        assert {rid for rid, _, _ in feed} == mine
    # Within each referral the feed keeps the timeline's order.
    for rid in sent:
        assert [kind for r, _, kind in hub_feed if r == rid] == ["SENT", "ACKNOWLEDGED"]


async def test_a_revoked_token_closes_its_open_subscription_with_a_coded_error(
    app: Any, world: World, db: Database
) -> None:
    network = await world.network()
    sender, receiver = await world.organization(network), await world.organization(network)
    staff: Api = await world.caller("ORG_STAFF", receiver)
    now = await event_feed.latest_position(db, receiver["id"])  # no race with the start
    async with subscribed(app, str(staff.token), {"org": receiver["id"], "after": now}) as ws:
        await referral_through_graph(db, sender["id"], receiver["id"], [])
        await notices(ws, 1)  # the subscription is live
        principal = await identity.principal_for_token(db, str(staff.token))
        assert principal is not None and principal.token_id is not None
        await identity.revoke_token(db, principal.token_id)
        message = await ws.receive_json(timeout=WAIT)
        closing = await ws.receive_json(timeout=WAIT)
    # graphql-transport-ws: the stream's error arrives as its last result, then "complete".
    assert message["type"] == "next" and message["payload"]["data"] is None, message
    (error,) = message["payload"]["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "revoked" in error["message"]
    assert closing == {"id": "1", "type": "complete"}
