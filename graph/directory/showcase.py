"""Reads that find, in a loaded network, the records a newcomer needs to try the API.

``maillage demo`` prints them after loading the demo network, so the README's
examples can be run by copying ids: a network, the territory and a need the
sending organization works in, an open service of the receiving organization
there, and a place where the sender meets families.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.db import Database

__all__ = ["ExampleIds", "event_exists", "example_ids", "member_id_by_name"]


@dataclass(frozen=True)
class ExampleIds:
    """Ids (and names, to read them by) that the README's first examples use."""

    network_id: str
    network_name: str
    sender_id: str
    receiver_id: str
    receiver_name: str
    service_id: str
    service_name: str
    need_code: str
    territory_id: str
    territory_name: str
    place_id: str | None
    place_name: str | None


async def event_exists(db: Database, event_id: str) -> bool:
    """Whether a referral event with this id is in the graph."""
    row = await db.row("MATCH (e:ReferralEvent {id: $id}) RETURN e.id AS id", id=event_id)
    return row is not None


async def member_id_by_name(db: Database, name: str, network_id: str) -> str | None:
    """The id of the member of ``network_id`` called ``name``, or None."""
    row = await db.row(
        "MATCH (o:Organization {name: $name})-[:MEMBER_OF]->(:Network {id: $network}) "
        "RETURN o.id AS id LIMIT 1",
        name=name,
        network=network_id,
    )
    return None if row is None else str(row["id"])


async def example_ids(
    db: Database, *, network_id: str, sender_id: str, receiver_id: str
) -> ExampleIds | None:
    """An OPEN service of the receiver, one of its needs and territories, and a sender's place.

    The service is the receiver's first OPEN one by name that has a need and a
    territory; the place is the sender's most visited outreach place in that
    territory (any of its places when none is there). None when the receiver
    has no such service.
    """
    row = await db.row(
        "MATCH (n:Network {id: $network}), (sender:Organization {id: $sender}), "
        "      (o:Organization {id: $receiver})-[:OFFERS]->(s:Service {availability: 'OPEN'}) "
        "MATCH (s)-[:ADDRESSES]->(need:Need), (s)-[:AVAILABLE_IN]->(t:Territory) "
        "WITH n, sender, o, s, need, t ORDER BY s.name, s.id, need.code, t.code LIMIT 1 "
        "OPTIONAL CALL (sender, t) { "
        "  MATCH (sender)-[v:PRESENT_AT]->(p:Place) WITH p, t, count(v) AS visits "
        "  RETURN p, EXISTS { (p)-[:IN_TERRITORY]->(t) } AS here, visits "
        "  ORDER BY here DESC, visits DESC, p.id LIMIT 1 } "
        "RETURN n.id AS networkId, n.name AS networkName, o.id AS receiverId, "
        "       o.name AS receiverName, s.id AS serviceId, s.name AS serviceName, "
        "       need.code AS needCode, t.id AS territoryId, t.name AS territoryName, "
        "       p.id AS placeId, p.name AS placeName",
        network=network_id,
        sender=sender_id,
        receiver=receiver_id,
    )
    if row is None:
        return None
    return ExampleIds(
        network_id=row["networkId"],
        network_name=row["networkName"],
        sender_id=sender_id,
        receiver_id=row["receiverId"],
        receiver_name=row["receiverName"],
        service_id=row["serviceId"],
        service_name=row["serviceName"],
        need_code=row["needCode"],
        territory_id=row["territoryId"],
        territory_name=row["territoryName"],
        place_id=row["placeId"],
        place_name=row["placeName"],
    )


async def ensure_intake_email(db: Database, organization_id: str, email: str) -> None:
    """Give a demo organization an intake address unless it has one (notifications need it)."""
    await db.write(
        lambda tx: tx.run(
            "MATCH (o:Organization {id: $id}) WHERE o.email IS NULL SET o.email = $email",
            id=organization_id,
            email=email,
        )
    )
