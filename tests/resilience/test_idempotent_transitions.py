"""A retried move whose first answer was lost returns the same success, not INVALID_TRANSITION.

The client says which status it saw (``expectedStatus``); if the referral is
where that move takes it and its last move is that one, by the same
organization, the retry is answered with the referral and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from graph.db import Database
from tests.conftest import Api, World, referral_through_graph

ACK = """mutation($id: ID!, $seen: ReferralStatus) {
  acknowledgeReferral(id: $id, expectedStatus: $seen) { id status events { type } } }"""
DECLINE = """mutation($id: ID!, $seen: ReferralStatus) {
  declineReferral(id: $id, reason: NO_CAPACITY, expectedStatus: $seen) { status } }"""
CANCEL = """mutation($id: ID!) { cancelReferral(id: $id, reason: "a déménagé") { status } }"""


async def _events(db: Database, referral_id: str) -> list[str]:
    rows = await db.rows(
        "MATCH (:Referral {id: $id})-[:HAS_EVENT]->(e) RETURN e.type AS type ORDER BY e.seq",
        id=referral_id,
    )
    return [row["type"] for row in rows]


def _code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


@dataclass
class Sent:
    """A fresh SENT referral and the staff of both organizations."""

    id: str
    receiving: Api
    sending: Api


@pytest.fixture
async def sent(world: World, db: Database) -> Sent:
    network = await world.network()
    sender, receiver = await world.organization(network), await world.organization(network)
    rid = await referral_through_graph(db, sender["id"], receiver["id"], [])
    return Sent(
        rid, await world.caller("ORG_STAFF", receiver), await world.caller("ORG_STAFF", sender)
    )


async def test_a_retried_acknowledgement_returns_the_same_success_and_writes_nothing(
    sent: Sent, db: Database
) -> None:
    rid, staff = sent.id, sent.receiving
    first = await staff.data(ACK, {"id": rid, "seen": "SENT"})
    again = await staff.data(ACK, {"id": rid, "seen": "SENT"})  # the first answer was "lost"
    assert first == again
    assert again["acknowledgeReferral"]["status"] == "ACKNOWLEDGED"
    assert await _events(db, rid) == ["SENT", "ACKNOWLEDGED"]
    declined = await staff.data(DECLINE, {"id": rid, "seen": "ACKNOWLEDGED"})
    retried = await staff.data(DECLINE, {"id": rid, "seen": "ACKNOWLEDGED"})
    assert declined == retried == {"declineReferral": {"status": "DECLINED"}}
    assert await _events(db, rid) == ["SENT", "ACKNOWLEDGED", "DECLINED"]


async def test_without_the_seen_status_a_repeat_is_still_an_invalid_transition(sent: Sent) -> None:
    await sent.receiving.data(ACK, {"id": sent.id})
    assert _code(await sent.receiving(ACK, {"id": sent.id})) == "INVALID_TRANSITION"


async def test_a_retry_after_someone_else_moved_the_referral_is_a_conflict(
    sent: Sent, db: Database
) -> None:
    await sent.sending.data(CANCEL, {"id": sent.id})
    body = await sent.receiving(ACK, {"id": sent.id, "seen": "SENT"})
    assert _code(body) == "CONFLICT"
    assert body["errors"][0]["extensions"]["currentStatus"] == "CANCELLED"
    assert await _events(db, sent.id) == ["SENT", "CANCELLED"]
