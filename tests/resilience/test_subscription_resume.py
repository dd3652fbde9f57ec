"""Subscriptions re-check their caller and resume after a sequence number, missing nothing.

Over the app in process (ASGI WebSocket transport), against the real Neo4j.
The app's settings poll for events every 0.5 s and, in the shared test app,
re-check the caller on every poll (auth cache 0).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from domain.lifecycle import Action
from graph import event_feed, identity
from graph.db import Database
from tests.conftest import Api, World, referral_through_graph

EVENTS = """subscription($org: ID!, $after: Int) {
  referralEvents(organizationId: $org, after: $after) { referralId event { seq type } } }"""
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


async def _seqs(db: Database, referral_ids: list[str]) -> list[tuple[str, int, str]]:
    rows = await db.rows(
        "MATCH (r:Referral)-[:HAS_EVENT]->(e) WHERE r.id IN $ids "
        "RETURN r.id AS rid, e.seq AS seq, e.type AS type ORDER BY e.seq",
        ids=referral_ids,
    )
    return [(row["rid"], int(row["seq"]), row["type"]) for row in rows]


async def test_a_resumed_subscription_gets_every_later_event_once_in_order(
    app: Any, world: World, db: Database
) -> None:
    network = await world.network()
    sender, receiver = await world.organization(network), await world.organization(network)
    staff = await world.caller("ORG_STAFF", receiver)
    first = await referral_through_graph(db, sender["id"], receiver["id"], [Action.ACKNOWLEDGE])
    # The client saw the first referral's SENT event, then lost its connection ...
    seen = (await _seqs(db, [first]))[0][1]
    second = await referral_through_graph(db, sender["id"], receiver["id"], [Action.ACKNOWLEDGE])
    outsider = await world.organization(network)  # not the receiver's: never shown to it
    await referral_through_graph(db, sender["id"], outsider["id"], [])
    expected = [
        (rid, seq, kind) for rid, seq, kind in await _seqs(db, [first, second]) if seq > seen
    ]
    # ... and resumes after it: the events written while it was away come first, in order.
    async with subscribed(app, str(staff.token), {"org": receiver["id"], "after": seen}) as ws:
        got = await notices(ws, len(expected))
        assert [(n["referralId"], n["event"]["seq"], n["event"]["type"]) for n in got] == expected
        third = await referral_through_graph(db, sender["id"], receiver["id"], [])
        (live,) = await notices(ws, 1)
        assert live["referralId"] == third
    print(f"\nresumed after seq {seen}: {len(expected)} missed events, then 1 live, none twice")


async def test_a_revoked_token_closes_its_open_subscription_with_a_coded_error(
    app: Any, world: World, db: Database
) -> None:
    network = await world.network()
    sender, receiver = await world.organization(network), await world.organization(network)
    staff: Api = await world.caller("ORG_STAFF", receiver)
    now = await event_feed.latest_seq(db)  # from here on: no race with the subscription's start
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
