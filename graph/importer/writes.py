"""The writing pass of an import: one parameterized ``UNWIND $rows`` statement per file.

Every statement MERGEs on ``id`` (or on the relationship's natural key), so
writing the same rows twice changes nothing, and a write interrupted between
batches is finished by writing again. Referrals are written as
graph/referral/commands.py writes them (networks, watchers, retention, family; the
status their events will give them), then their events are appended as
:func:`graph.referral.events.record_event` does: each new
event takes the referral's next ``seq`` and the next positions of its
sender's and receiver's event feeds, and sets the referral's ``status``,
``updatedAt``, ``lastEventSeq`` and, when it closes it, ``closedAt``.
Events already in the database keep their numbers.

The statements and payload builders are public so that a benchmark can run
the very same Cypher without the importer around it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from domain.lifecycle import closes_loop
from graph.db import Database
from graph.importer.state import IN_DATABASE, NO_STATUS, STATUSES, Registry, family_alt_id
from graph.referral.events import FEED_POSITIONS

__all__ = [
    "EVENTS",
    "EXISTING_EVENTS",
    "STATEMENTS",
    "event_batch",
    "load_database_memberships",
    "payload",
    "presence_payload",
    "referral_payload",
    "registry_referral_payload",
]

_CLEAR_LINK = (
    "CALL ({node}, row) {{ MATCH ({node})-[old:{rel}]->(x) WHERE NOT x.id IN {ids} DELETE old }} "
)

_ONE_TERRITORY = "[tid IN [row.territoryId] WHERE tid IS NOT NULL]"

STATEMENTS: dict[str, str] = {
    "networks": (
        "UNWIND $rows AS row "
        "MERGE (n:Network {id: row.id}) ON CREATE SET n.createdAt = datetime() "
        "SET n.name = row.name, n.territoryCodes = row.territoryCodes, "
        "n.ackDelayHours = row.ackDelayHours, n.retentionDays = row.retentionDays"
    ),
    "territories": (
        "UNWIND $rows AS row "
        "MERGE (t:Territory {id: row.id}) ON CREATE SET t.createdAt = datetime() "
        "SET t.code = row.code, t.name = row.name"
    ),
    "places": (
        "UNWIND $rows AS row "
        "MERGE (p:Place {id: row.id}) ON CREATE SET p.createdAt = datetime() "
        "SET p.name = row.name, p.kind = row.kind "
        "WITH p, row "
        + _CLEAR_LINK.format(node="p", rel="IN_TERRITORY", ids=_ONE_TERRITORY)
        + "CALL (p, row) { MATCH (t:Territory {id: row.territoryId}) "
        "MERGE (p)-[:IN_TERRITORY]->(t) }"
    ),
    "organizations": (
        "UNWIND $rows AS row "
        "MERGE (o:Organization {id: row.id}) ON CREATE SET o.updatedAt = datetime(row.createdAt) "
        "SET o.name = row.name, o.kind = row.kind, o.description = row.description, "
        "o.languages = row.languages, o.active = row.active, "
        "o.createdAt = datetime(row.createdAt) "
        "WITH o, row "
        + _CLEAR_LINK.format(node="o", rel="BASED_IN", ids=_ONE_TERRITORY)
        + "CALL (o, row) { MATCH (t:Territory {id: row.territoryId}) MERGE (o)-[:BASED_IN]->(t) }"
    ),
    "memberships": (
        "UNWIND $rows AS row "
        "MATCH (o:Organization {id: row.organizationId}), (n:Network {id: row.networkId}) "
        "MERGE (o)-[m:MEMBER_OF {since: date(row.since)}]->(n) "
        "SET m.until = date(row.until)"
    ),
    "services": (
        "UNWIND $rows AS row "
        "MATCH (o:Organization {id: row.organizationId}) "
        "MERGE (s:Service {id: row.id}) ON CREATE SET s.updatedAt = datetime(row.createdAt) "
        "SET s.name = row.name, s.description = row.description, "
        "s.eligibility = row.eligibility, s.languages = row.languages, "
        "s.availability = row.availability, "
        "s.availabilityChangedAt = datetime(row.availabilityChangedAt), "
        "s.createdAt = datetime(row.createdAt) "
        "MERGE (o)-[:OFFERS]->(s) "
        "WITH s, row "
        "CALL (s, row) { MATCH (s)-[old:ADDRESSES]->(n:Need) WHERE NOT n.code IN row.needCodes "
        "DELETE old } "
        "CALL (s, row) { UNWIND row.needCodes AS code MATCH (n:Need {code: code}) "
        "MERGE (s)-[:ADDRESSES]->(n) } "
        + _CLEAR_LINK.format(node="s", rel="AVAILABLE_IN", ids="row.territoryIds")
        + "CALL (s, row) { UNWIND row.territoryIds AS tid MATCH (t:Territory {id: tid}) "
        "MERGE (s)-[:AVAILABLE_IN]->(t) }"
    ),
    "availability": (
        "UNWIND $rows AS row "
        "MATCH (s:Service {id: row.serviceId}) "
        "MERGE (s)-[:HAS_AVAILABILITY]->(c:AvailabilityChange {id: row.id}) "
        "ON CREATE SET c.availability = row.availability, c.at = datetime(row.at)"
    ),
    "partnerships": (
        "UNWIND $rows AS row "
        "MATCH (a:Organization {id: row.sourceId}), (b:Organization {id: row.targetId}) "
        "MERGE (a)-[p:PARTNERS_WITH {id: row.id}]->(b) ON CREATE SET p.createdAt = datetime() "
        "SET p.kind = row.kind, p.since = date(row.since), p.until = date(row.until)"
    ),
    # One row per (organization, place) of the batch, its visits keyed by date: the pair's
    # relationships are read once, not once per visit (a weekly slot makes hundreds).
    "presence": (
        "UNWIND $rows AS row "
        "MATCH (o:Organization {id: row.organizationId}), (p:Place {id: row.placeId}) "
        "CALL (o, p, row) { "
        "  OPTIONAL MATCH (o)-[x:PRESENT_AT]->(p) WHERE toString(x.date) IN row.dates "
        "  SET x.hours = row.visits[toString(x.date)].hours, "
        "      x.contacts = row.visits[toString(x.date)].contacts, "
        "      x.needsHeard = row.visits[toString(x.date)].needsHeard "
        "  RETURN collect(toString(x.date)) AS known } "
        "UNWIND [day IN row.dates WHERE NOT day IN known] AS day "
        "CREATE (o)-[:PRESENT_AT {id: randomUUID(), date: date(day), hours: row.visits[day].hours, "
        "contacts: row.visits[day].contacts, needsHeard: row.visits[day].needsHeard}]->(p)"
    ),
    "referrals": (
        "UNWIND $rows AS row "
        "MATCH (s:Organization {id: row.senderId}), (t:Organization {id: row.receiverId}) "
        "MERGE (r:Referral {id: row.id}) "
        # Created with the status its events will leave it in (the checks replayed them), so
        # that nothing — the sweep above all — takes it for an open referral meanwhile.
        "ON CREATE SET r.status = row.status, r.createdAt = datetime(row.sentAt), "
        "r.updatedAt = datetime(row.sentAt) "
        "SET r.sentAt = datetime(row.sentAt), r.acknowledgeBy = datetime(row.acknowledgeBy), "
        "r.urgency = row.urgency, r.needCodes = row.needCodes, r.networkIds = row.networkIds, "
        "r.watcherIds = row.watcherIds, r.retentionDays = row.retentionDays, "
        "r.overrideAvailability = row.overrideAvailability, "
        "r.consentGiven = row.consentGiven AND r.consentWithdrawnAt IS NULL, "
        "r.consentAt = datetime(row.consentAt), r.consentMethod = row.consentMethod, "
        "r.consentScope = row.consentScope, r.idempotencyKey = row.idempotencyKey, "
        "r.idempotencyScope = row.idempotencyScope "
        "MERGE (s)-[:SENT]->(r) "
        "MERGE (r)-[:TO]->(t) "
        "WITH s, r, row "
        # The family: one node per (sender, familyRef) as the API keeps it; the dataset's
        # familyId for its first sender, a derived id for any other (ids are unique).
        "CALL (s, r, row) { WITH s, r, row WHERE row.redirectedFromId IS NULL "
        "  OPTIONAL MATCH (s)-[:KNOWS_FAMILY]->(own:Family {id: row.familyId}) "
        "  OPTIONAL MATCH (taken:Family {id: row.familyId}) "
        "  WITH s, r, row, CASE WHEN own IS NOT NULL OR taken IS NULL THEN row.familyId "
        "                  ELSE row.familyAltId END AS familyId "
        "  MERGE (f:Family {id: familyId}) "
        "  ON CREATE SET f.reference = row.familyRef, f.createdAt = datetime(row.sentAt) "
        "  MERGE (s)-[:KNOWS_FAMILY]->(f) "
        "  MERGE (r)-[:CONCERNS]->(f) } "
        "CALL (r, row) { UNWIND row.needCodes AS code MATCH (n:Need {code: code}) "
        "  MERGE (r)-[:FOR_NEED]->(n) } "
        "CALL (r, row) { MATCH (x:Service {id: row.serviceId}) MERGE (r)-[:FOR_SERVICE]->(x) } "
        "CALL (r, row) { MATCH (x:Place {id: row.placeId}) MERGE (r)-[:ORIGINATED_AT]->(x) } "
        # A redirect concerns the original's family, as graph/referral/commands.py links it.
        "CALL (r, row) { MATCH (p:Referral {id: row.redirectedFromId}) "
        "  MERGE (r)-[:REDIRECTED_FROM]->(p) "
        "  WITH r, p MATCH (p)-[:CONCERNS]->(f:Family) MERGE (r)-[:CONCERNS]->(f) } "
        # Earlier parties of a chain already in the database follow the new receiver too.
        "CALL (row) { WITH row WHERE row.parentInDatabase "
        "  MATCH (:Referral {id: row.redirectedFromId})-[:REDIRECTED_FROM*0..]->(x:Referral) "
        "  WHERE NOT row.receiverId IN x.watcherIds "
        "  SET x.watcherIds = x.watcherIds + row.receiverId }"
    ),
}

EXISTING_EVENTS = "UNWIND $ids AS id MATCH (e:ReferralEvent {id: id}) RETURN e.id AS id"

EVENTS = (
    "UNWIND $refs AS ref "
    "MATCH (s:Organization)-[:SENT]->(r:Referral {id: ref.id})-[:TO]->(t:Organization) "
    "WITH s, r, t, ref, size(ref.events) AS n "
    # Per referral, in order: its parties' feeds advance by its number of events.
    + FEED_POSITIONS
    + "WITH s, r, t, ref, sbase, tbase, coalesce(r.lastEventSeq, 0) AS base "
    "CALL (r, s, t, ref, sbase, tbase, base) { UNWIND ref.events AS ev "
    "  CREATE (r)-[:HAS_EVENT]->(:ReferralEvent {id: ev.id, seq: base + ev.offset, "
    "  type: ev.type, status: ev.status, at: datetime(ev.at), actorUserId: null, "
    "  actorOrganizationId: ev.actor, reason: ev.reason, comment: ev.comment, "
    "  senderOrganizationId: s.id, senderPosition: sbase + ev.offset, "
    "  receiverOrganizationId: t.id, receiverPosition: tbase + ev.offset}) } "
    "SET r.status = ref.status, r.updatedAt = datetime(ref.at), "
    "r.lastEventSeq = base + size(ref.events), "
    "r.closedAt = coalesce(datetime(ref.closedAt), r.closedAt), "
    "r.contactPurgedAt = coalesce(r.contactPurgedAt, datetime(ref.purgedAt)), "
    "r.consentWithdrawnAt = coalesce(datetime(ref.withdrawnAt), r.consentWithdrawnAt), "
    "r.consentGiven = CASE WHEN ref.withdrawnAt IS NULL THEN r.consentGiven ELSE false END"
)

_NAMESPACE = "maillage-import"


def _derived_id(*parts: str) -> str:
    """A stable id for a record the format gives none (availability change, partnership)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join((_NAMESPACE, *parts))))


def payload(kind: str, row: dict[str, Any], registry: Registry | None) -> dict[str, Any]:
    """The statement row of a cleaned directory row (referrals: :func:`referral_payload`)."""
    if kind == "services":
        changed = registry.availability_changed.get(row["id"]) if registry else None
        return {**row, "availabilityChangedAt": changed[1] if changed else row["createdAt"]}
    if kind == "availability":
        return {
            **row,
            "id": _derived_id("availability", row["serviceId"], row["at"], row["availability"]),
        }
    if kind == "partnerships":
        return {
            **row,
            "id": _derived_id(
                "partnership", row["sourceId"], row["targetId"], row["kind"], row["since"]
            ),
        }
    return row


def presence_payload(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Visits grouped per (organization, place) for the presence statement (last row wins)."""
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        pair = pairs.setdefault(
            (row["organizationId"], row["placeId"]),
            {"organizationId": row["organizationId"], "placeId": row["placeId"], "visits": {}},
        )
        pair["visits"][row["date"]] = {
            "hours": row["hours"],
            "contacts": row["contacts"],
            "needsHeard": row["needsHeard"],
        }
    return [{**pair, "dates": list(pair["visits"])} for pair in pairs.values()]


def referral_payload(
    row: dict[str, Any],
    network_fields: dict[str, Any],
    *,
    watchers: list[str] | None = None,
    parent_in_database: bool = False,
    status: str = "SENT",
) -> dict[str, Any]:
    """The statement row of a referral; ``network_fields``: networkIds and retentionDays.

    ``status`` is the status the referral's events leave it in (set on creation only).
    """
    consent = row["consent"]
    return {
        "id": row["id"],
        "status": status,
        "senderId": row["senderId"],
        "receiverId": row["receiverId"],
        "serviceId": row["serviceId"],
        "placeId": row["placeId"],
        "redirectedFromId": row["redirectedFromId"],
        "parentInDatabase": parent_in_database,
        "familyId": row["familyId"],
        "familyAltId": family_alt_id(row["familyId"], row["senderId"]),
        "familyRef": row["familyRef"],
        "needCodes": row["needCodes"],
        "urgency": row["urgency"],
        "sentAt": row["sentAt"],
        "acknowledgeBy": row["acknowledgeBy"],
        "overrideAvailability": row["overrideAvailability"],
        "consentGiven": consent["given"],
        "consentAt": consent["at"],
        "consentMethod": consent["method"],
        "consentScope": consent["scope"],
        "idempotencyKey": row["idempotencyKey"],
        "idempotencyScope": f"{row['senderId']}:{row['idempotencyKey']}",
        "watcherIds": watchers or sorted({row["senderId"], row["receiverId"]}),
        **network_fields,
    }


def registry_referral_payload(row: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """:func:`referral_payload` with the networks, watchers and chain the checks computed."""
    table = registry.referrals
    i = table.index[row["id"]]
    parent = registry.parents.get(i)
    return referral_payload(
        row,
        registry.referral_network_fields(row["senderId"], row["receiverId"], row["sentAt"]),
        watchers=registry.watchers.get(i),
        parent_in_database=parent is not None and bool(table.flags[parent] & IN_DATABASE),
        status=STATUSES[table.status[i]] if table.status[i] != NO_STATUS else "SENT",
    )


def event_batch(
    events: list[dict[str, Any]],
    sent_at: Callable[[str], float] | None = None,
    existing: set[str] | frozenset[str] = frozenset(),
) -> tuple[int, list[dict[str, Any]]]:
    """``(n, refs)`` for :data:`EVENTS`: the ``n`` new events grouped by referral.

    Referrals come in order of ``sent_at(referral id)`` (file order without
    it), so feed positions follow that order; each one's events are numbered
    1, 2… (``offset``, added to the referral's ``lastEventSeq`` and to its
    parties' feed positions) in the order given (time order, checked).
    Events in ``existing`` are left out.
    """
    grouped: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        if event["id"] not in existing:
            grouped.setdefault(event["referralId"], []).append(event)
    order = sorted(grouped, key=sent_at) if sent_at is not None else list(grouped)
    refs: list[dict[str, Any]] = []
    total = 0
    for referral_id in order:
        out: list[dict[str, Any]] = []
        closed = purged = withdrawn = None
        for offset, event in enumerate(grouped[referral_id], start=1):
            kind, status = event["type"], event["status"]
            out.append(
                {
                    "id": event["id"],
                    "offset": offset,
                    "type": kind,
                    "status": status,
                    "at": event["at"],
                    "actor": event["actorOrganizationId"],
                    "reason": event["reason"],
                    "comment": event["comment"],
                }
            )
            if closes_loop(kind, status):
                closed = event["at"]
            if kind in ("CONTACT_PURGED", "CONSENT_WITHDRAWN") and purged is None:
                purged = event["at"]
            if kind == "CONSENT_WITHDRAWN":
                withdrawn = event["at"]
        last = out[-1]
        refs.append(
            {
                "id": referral_id,
                "events": out,
                "status": last["status"],
                "at": last["at"],
                "closedAt": closed,
                "purgedAt": purged,
                "withdrawnAt": withdrawn,
            }
        )
        total += len(out)
    return total, refs


async def load_database_memberships(
    db: Database, registry: Registry, ids: Sequence[str] | None = None
) -> None:
    """Add the database's memberships of organizations (the dataset's win).

    ``ids``: those organizations; every organization the registry knows by default.
    """
    rows = await db.rows(
        "UNWIND $ids AS id MATCH (o:Organization {id: id})-[m:MEMBER_OF]->(n:Network) "
        "RETURN o.id AS org, n.id AS network, toString(m.since) AS since, "
        "toString(m.until) AS until, coalesce(n.retentionDays, 90) AS retention",
        ids=list(registry.organization_ids if ids is None else ids),
    )
    for row in rows:
        known = registry.memberships.setdefault(row["org"], {})
        known.setdefault((row["network"], row["since"]), row["until"])
        registry.networks.setdefault(row["network"], int(row["retention"]))
