"""Referrals: send, move through the lifecycle, annotate — as an append-only event graph.

Every change appends a ``(:ReferralEvent)`` through
:func:`graph.referral.events.record_event`: ``seq`` is its rank in the
referral's timeline, and its positions in the sender's and the receiver's
event feeds (gap-free, in commit order per organization) are what
subscriptions follow. There is no global counter: writes between other
organizations never wait for each other.

Concurrency: a transition first locks the referral (a write), then re-reads
its status. If the status changed since the caller's request was checked,
the caller gets CONFLICT; exactly one of two racing transitions wins.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from neo4j.exceptions import ConstraintError

from domain.errors import BadUserInput, Conflict, NotFound, ServiceUnavailable
from domain.lifecycle import ACTIONS, Action, next_status
from domain.vocabulary import (
    ConsentMethod,
    DeclineReason,
    EventType,
    ReferralStatus,
    Urgency,
)
from graph.db import Database, Tx
from graph.referral.events import record_event
from graph.validation import (
    check_codes,
    check_email,
    check_enum,
    check_id,
    check_instant,
    check_languages,
    check_text,
    optional_text,
)

__all__ = [
    "ReferralFilter",
    "ReferralInput",
    "add_note",
    "events_by_referral",
    "referral_parties",
    "referrals_by_id",
    "send_referral",
    "transition",
    "withdraw_consent",
]

REFERRAL_FIELDS = (
    "r {.id, .status, .urgency, .sentAt, .acknowledgeBy, .closedAt, .overrideAvailability, "
    ".needCodes, .networkIds, .watcherIds, .consentGiven, .consentAt, .consentMethod, "
    ".consentScope, .contactPhone, .contactEmail, .contactLanguage, .contactBestTime, "
    ".contactPurgedAt, .consentWithdrawnAt, .retentionDays, .idempotencyKey, "
    "senderId: COLLECT { MATCH (s:Organization)-[:SENT]->(r) RETURN s.id }[0], "
    "receiverId: COLLECT { MATCH (r)-[:TO]->(t:Organization) RETURN t.id }[0], "
    "serviceId: COLLECT { MATCH (r)-[:FOR_SERVICE]->(x:Service) RETURN x.id }[0], "
    "placeId: COLLECT { MATCH (r)-[:ORIGINATED_AT]->(p:Place) RETURN p.id }[0], "
    "familyId: COLLECT { MATCH (r)-[:CONCERNS]->(f:Family) RETURN f.id }[0], "
    "familyRef: COLLECT { MATCH (r)-[:CONCERNS]->(f:Family) RETURN f.reference }[0], "
    "redirectedFromId: COLLECT { MATCH (r)-[:REDIRECTED_FROM]->(o:Referral) RETURN o.id }[0], "
    "redirectedToId: COLLECT { MATCH (n:Referral)-[:REDIRECTED_FROM]->(r) RETURN n.id }[0]}"
)
EVENT_FIELDS = (
    "e {.id, .seq, .type, .status, .at, .actorUserId, .actorOrganizationId, .reason, .comment}"
)
CONTACT_PROPS = ("contactPhone", "contactEmail", "contactLanguage", "contactBestTime")


@dataclass(frozen=True)
class ReferralInput:
    to_organization_id: str
    need_codes: list[str]
    family_reference: str
    idempotency_key: str
    consent_given: bool
    consent_method: str
    consent_scope: str
    consent_at: datetime | None = None
    service_id: str | None = None
    place_id: str | None = None
    urgency: str = "ROUTINE"
    comment: str | None = None
    override_availability: bool = False
    contact_phone: str | None = None
    contact_email: str | None = None
    contact_language: str | None = None
    contact_best_time: str | None = None


@dataclass(frozen=True)
class ReferralFilter:
    organization_id: str | None = None
    box: str | None = None  # INCOMING | OUTGOING | None (both)
    network_ids: list[str] | None = None  # restrict to referrals of these networks
    status: str | None = None
    need_code: str | None = None
    overdue: bool | None = None
    sent_after: datetime | None = None
    sent_before: datetime | None = None


@dataclass
class _Clean:
    props: dict[str, Any] = field(default_factory=dict)
    needs: list[str] = field(default_factory=list)


def _payload_hash(data: ReferralInput) -> str:
    payload = asdict(data)
    payload.pop("idempotency_key")
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _language(value: str | None) -> str | None:
    langs = check_languages([value] if value else [], "contact.preferredLanguage")
    return langs[0] if langs else None


def _clean(data: ReferralInput, now: datetime) -> _Clean:
    needs = check_codes(data.need_codes, "needCodes", required=True)
    family_ref = check_text(data.family_reference, "familyReference", max_length=64)
    if not any(ch.isdigit() for ch in family_ref):
        raise BadUserInput(
            "familyReference must be your own file number (with digits, e.g. F-2026-0117), "
            "never a name.",
            field="familyReference",
        )
    key = check_text(data.idempotency_key, "idempotencyKey", max_length=128)
    method = check_enum(data.consent_method, ConsentMethod, "consent.method").value
    scope = check_text(data.consent_scope, "consent.scope", max_length=500)
    consent_at = check_instant(data.consent_at, "consent.at") or now
    if consent_at > now + timedelta(minutes=5):
        raise BadUserInput("consent.at is in the future.", field="consent.at")
    contact = {
        "contactPhone": optional_text(data.contact_phone, "contact.phone", max_length=40),
        "contactEmail": check_email(data.contact_email, "contact.email"),
        "contactLanguage": _language(data.contact_language),
        "contactBestTime": optional_text(
            data.contact_best_time, "contact.bestTime", max_length=200
        ),
    }
    if any(contact.values()) and not data.consent_given:
        raise BadUserInput(
            "Family contact details need the family's consent: set consent.given to true, "
            "or leave contact empty.",
            field="contact",
        )
    props: dict[str, Any] = {
        "urgency": check_enum(data.urgency, Urgency, "urgency").value,
        "idempotencyKey": key,
        "consentGiven": bool(data.consent_given),
        "consentAt": consent_at,
        "consentMethod": method,
        "consentScope": scope,
        "overrideAvailability": bool(data.override_availability),
        "needCodes": needs,
        "familyReference": family_ref,
        **{k: v for k, v in contact.items() if v is not None},
    }
    return _Clean(props=props, needs=needs)


async def _check_destination(
    tx: Tx,
    *,
    sender_id: str,
    receiver_id: str,
    service_id: str | None,
    needs: list[str],
    override: bool,
) -> list[dict[str, Any]]:
    """Validate where a referral goes; return the networks sender and receiver share."""
    if sender_id == receiver_id:
        raise BadUserInput("An organization cannot refer to itself.", field="toOrganizationId")
    row = await tx.row(
        "MATCH (s:Organization {id: $sender}) "
        "OPTIONAL MATCH (t:Organization {id: $receiver}) "
        "RETURN t IS NOT NULL AS exists, t.active AS active, t.name AS name, "
        "[(s)-[m1:MEMBER_OF]->(n:Network)<-[m2:MEMBER_OF]-(t) "
        " WHERE (m1.until IS NULL OR m1.until >= date()) "
        "   AND (m2.until IS NULL OR m2.until >= date())"
        " | n {.id, .ackDelayHours, .retentionDays}] AS networks",
        sender=sender_id,
        receiver=receiver_id,
    )
    if row is None:
        raise NotFound(f"No organization with id {sender_id}.", field="fromOrganizationId")
    if not row["exists"]:
        raise NotFound(f"No organization with id {receiver_id}.", field="toOrganizationId")
    if not row["active"]:
        raise BadUserInput(
            f"{row['name']} is no longer active and cannot receive referrals.",
            field="toOrganizationId",
        )
    if not row["networks"]:
        raise BadUserInput(
            f"{row['name']} is in none of your networks; you can refer only to members of a "
            "network your organization belongs to.",
            field="toOrganizationId",
        )
    known = await tx.rows(
        "MATCH (n:Need) WHERE n.code IN $codes RETURN n.code AS code", codes=needs
    )
    unknown = sorted(set(needs) - {r["code"] for r in known})
    if unknown:
        raise BadUserInput(
            f"needCodes {', '.join(unknown)} are not in the need taxonomy.", field="needCodes"
        )
    if service_id is not None:
        svc = await tx.row(
            "MATCH (s:Service {id: $id}) "
            "RETURN s.name AS name, s.availability AS availability, "
            "EXISTS { MATCH (:Organization {id: $receiver})-[:OFFERS]->(s) } AS offered, "
            "[(s)-[:ADDRESSES]->(n:Need) | n.code] AS needs",
            id=service_id,
            receiver=receiver_id,
        )
        if svc is None:
            raise NotFound(f"No service with id {service_id}.", field="serviceId")
        if not svc["offered"]:
            raise BadUserInput(
                f"{svc['name']} is not a service of {row['name']}.", field="serviceId"
            )
        missing = sorted(set(needs) - set(svc["needs"]))
        if missing:
            raise BadUserInput(
                f"{svc['name']} does not address {', '.join(missing)}; choose a service that "
                "does, or refer without a service.",
                field="serviceId",
            )
        if svc["availability"] in {"FULL", "CLOSED"} and not override:
            raise ServiceUnavailable(
                f"{svc['name']} is {svc['availability']}: the family would wait with no answer. "
                "Choose another service, or set overrideAvailability if the receiver agreed.",
                field="serviceId",
                availability=svc["availability"],
            )
    return list(row["networks"])


async def _create_referral(
    tx: Tx,
    *,
    referral_id: str,
    sender_id: str,
    receiver_id: str,
    clean: _Clean,
    service_id: str | None,
    place_id: str | None,
    networks: list[dict[str, Any]],
    watchers: list[str],
    now: datetime,
    scope: str | None,
    payload_hash: str | None,
    redirected_from: str | None = None,
) -> None:
    ack_hours = min(int(n.get("ackDelayHours") or 72) for n in networks)
    retention = min(int(n.get("retentionDays") or 90) for n in networks)
    props = dict(clean.props)
    family_ref = props.pop("familyReference")
    await tx.run(
        "MATCH (s:Organization {id: $sender}), (t:Organization {id: $receiver}) "
        "MERGE (s)-[:KNOWS_FAMILY]->(f:Family {reference: $familyRef}) "
        "ON CREATE SET f.id = randomUUID(), f.createdAt = $now "
        "CREATE (s)-[:SENT]->(r:Referral {id: $id, status: 'SENT', sentAt: $now, "
        "acknowledgeBy: $ackBy, createdAt: $now, networkIds: $networkIds, "
        "watcherIds: $watchers, retentionDays: $retention})-[:TO]->(t) "
        "SET r += $props, r.idempotencyScope = $scope, r.payloadHash = $hash "
        "CREATE (r)-[:CONCERNS]->(f) "
        "WITH r UNWIND $needs AS code MATCH (n:Need {code: code}) CREATE (r)-[:FOR_NEED]->(n)",
        sender=sender_id,
        receiver=receiver_id,
        familyRef=family_ref,
        id=referral_id,
        now=now,
        ackBy=now + timedelta(hours=ack_hours),
        networkIds=sorted(n["id"] for n in networks),
        watchers=sorted(set(watchers)),
        retention=retention,
        props=props,
        scope=scope,
        hash=payload_hash,
        needs=clean.needs,
    )
    for query, other in (
        (
            "MATCH (r:Referral {id: $id}), (x:Service {id: $other}) CREATE (r)-[:FOR_SERVICE]->(x)",
            service_id,
        ),
        (
            "MATCH (r:Referral {id: $id}), (x:Place {id: $other}) CREATE (r)-[:ORIGINATED_AT]->(x)",
            place_id,
        ),
        (
            "MATCH (r:Referral {id: $id}), (x:Referral {id: $other}) "
            "CREATE (r)-[:REDIRECTED_FROM]->(x)",
            redirected_from,
        ),
    ):
        if other is not None:
            await tx.run(query, id=referral_id, other=other)


async def _referral(tx: Tx, referral_id: str) -> dict[str, Any]:
    row = await tx.row(
        f"MATCH (r:Referral {{id: $id}}) RETURN {REFERRAL_FIELDS} AS r", id=referral_id
    )
    assert row is not None
    return dict(row["r"])


async def send_referral(
    db: Database,
    data: ReferralInput,
    *,
    sender_id: str,
    actor_user_id: str | None,
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """Send a referral. Returns ``(referral, created)``; ``created`` is False on a replay.

    The same sender and idempotency key return the first referral, also under
    concurrency (a uniqueness constraint on the key's scope decides the race);
    the same key with another payload is a CONFLICT.
    """
    sender = check_id(sender_id, "fromOrganizationId")
    receiver = check_id(data.to_organization_id, "toOrganizationId")
    service = check_id(data.service_id, "serviceId") if data.service_id else None
    place = check_id(data.place_id, "placeId") if data.place_id else None
    clean = _clean(data, now)
    comment = optional_text(data.comment, "comment", max_length=4000)
    scope = f"{sender}:{clean.props['idempotencyKey']}"
    digest = _payload_hash(data)

    async def replay(tx: Tx) -> dict[str, Any] | None:
        row = await tx.row(
            "MATCH (r:Referral {idempotencyScope: $scope}) RETURN r.id AS id, r.payloadHash AS h",
            scope=scope,
        )
        if row is None:
            return None
        if row["h"] != digest:
            raise Conflict(
                "This idempotencyKey was already used for a different referral; use a new key.",
                field="idempotencyKey",
                referralId=row["id"],
            )
        return await _referral(tx, row["id"])

    async def work(tx: Tx) -> tuple[dict[str, Any], bool]:
        existing = await replay(tx)
        if existing is not None:
            return existing, False
        networks = await _check_destination(
            tx,
            sender_id=sender,
            receiver_id=receiver,
            service_id=service,
            needs=clean.needs,
            override=data.override_availability,
        )
        if (
            place is not None
            and await tx.row("MATCH (p:Place {id: $id}) RETURN p.id AS id", id=place) is None
        ):
            raise NotFound(f"No place with id {place}.", field="placeId")
        rid = str(uuid.uuid4())
        await _create_referral(
            tx,
            referral_id=rid,
            sender_id=sender,
            receiver_id=receiver,
            clean=clean,
            service_id=service,
            place_id=place,
            networks=networks,
            watchers=[sender, receiver],
            now=now,
            scope=scope,
            payload_hash=digest,
        )
        await record_event(
            tx,
            rid,
            EventType.SENT,
            ReferralStatus.SENT,
            at=now,
            actor_user_id=actor_user_id,
            actor_org_id=sender,
            comment=comment,
        )
        return await _referral(tx, rid), True

    try:
        return await db.write(work)
    except ConstraintError:
        # A concurrent request with the same key won the race: return its referral.
        async def after_race(tx: Tx) -> tuple[dict[str, Any], bool]:
            existing = await replay(tx)
            if existing is None:
                raise
            return existing, False

        return await db.read(after_race)


async def referral_parties(db: Database, referral_id: str) -> dict[str, Any] | None:
    """Sender, receiver, networks, watchers and status: what access checks need."""
    return await db.row(
        "MATCH (s:Organization)-[:SENT]->(r:Referral {id: $id})-[:TO]->(t:Organization) "
        "RETURN r.id AS id, s.id AS senderId, t.id AS receiverId, r.status AS status, "
        "r.networkIds AS networkIds, r.watcherIds AS watcherIds",
        id=check_id(referral_id, "id"),
    )


async def transition(
    db: Database,
    referral_id: str,
    action: Action,
    *,
    expected_status: str,
    actor_user_id: str | None,
    actor_org_id: str | None,
    now: datetime,
    reason: str | None = None,
    comment: str | None = None,
    redirect_to: tuple[str, str | None] | None = None,
    replay_if_done: bool = False,
    via: str | None = None,
) -> dict[str, Any]:
    """Apply ``action`` to a referral whose status the caller saw as ``expected_status``.

    Locks the referral, re-reads the status; CONFLICT if another request moved
    it meanwhile, INVALID_TRANSITION if the action is not allowed from it.
    With ``replay_if_done`` (the client said which status it saw), a retry of
    a move that already happened — the referral is where this action takes it
    from ``expected_status`` and its last move is this action by the same
    organization — returns the referral as it is, writing nothing. ``via``
    is kept on the event (``EMAIL_LINK`` for a one-click answer).
    """
    rid = check_id(referral_id, "id")
    comment_ok = optional_text(comment, "comment", max_length=4000)
    reason_ok = None
    if action is Action.DECLINE:
        reason_ok = check_enum(reason, DeclineReason, "reason").value
        if reason_ok == DeclineReason.OTHER.value and comment_ok is None:
            raise BadUserInput("Say why in comment when the reason is OTHER.", field="comment")
    elif action is Action.CANCEL:
        reason_ok = check_text(reason, "reason", max_length=500)
    elif action is Action.NOTE:
        comment_ok = check_text(comment, "text", max_length=4000)
    new_target = None
    if action is Action.REDIRECT:
        assert redirect_to is not None
        new_target = (
            check_id(redirect_to[0], "toOrganizationId"),
            check_id(redirect_to[1], "toServiceId") if redirect_to[1] else None,
        )

    async def work(tx: Tx) -> dict[str, Any]:
        # The write takes the referral's lock; the status read after it is the latest committed.
        await tx.run(
            "MATCH (r:Referral {id: $id}) SET r.lockVersion = coalesce(r.lockVersion, 0) + 1",
            id=rid,
        )
        row = await tx.row("MATCH (r:Referral {id: $id}) RETURN r.status AS status", id=rid)
        if row is None:
            raise NotFound(f"No referral with id {rid}.", field="id")
        current = row["status"]
        if current != expected_status and action is not Action.NOTE:
            if replay_if_done and await _already_done(
                tx, rid, expected_status, current, action, actor_org_id
            ):
                return await _referral(tx, rid)
            raise Conflict(
                f"This referral changed to {current} while your request was processed; "
                "reload it and decide again.",
                currentStatus=current,
            )
        status = next_status(current, action)
        event = ACTIONS[action].event
        if new_target is not None:
            await _redirect(
                tx, rid, new_target, actor_user_id=actor_user_id, actor_org_id=actor_org_id, now=now
            )
        await record_event(
            tx,
            rid,
            event,
            status,
            at=now,
            actor_user_id=actor_user_id,
            actor_org_id=actor_org_id,
            reason=reason_ok,
            comment=comment_ok,
            via=via,
        )
        return await _referral(tx, rid)

    return await db.write(work)


async def _already_done(
    tx: Tx,
    referral_id: str,
    seen: str,
    current: str,
    action: Action,
    actor_org_id: str | None,
) -> bool:
    """Whether ``action`` from ``seen`` is the move that left the referral ``current``."""
    rule = ACTIONS[action]
    if rule.to is None or ReferralStatus(seen) not in rule.allowed_from or rule.to.value != current:
        return False
    last = await tx.row(
        "MATCH (:Referral {id: $id})-[:HAS_EVENT]->(e:ReferralEvent) "
        "WHERE e.type <> 'NOTE' RETURN e.type AS type, e.actorOrganizationId AS org "
        "ORDER BY e.seq DESC LIMIT 1",
        id=referral_id,
    )
    return last is not None and last["type"] == rule.event.value and last["org"] == actor_org_id


async def _redirect(
    tx: Tx,
    original_id: str,
    target: tuple[str, str | None],
    *,
    actor_user_id: str | None,
    actor_org_id: str | None,
    now: datetime,
) -> str:
    """Start a new referral from the redirecting organization, linked to the original."""
    original = await _referral(tx, original_id)
    receiver, service = target
    sender = original["receiverId"]
    if receiver == original["senderId"]:
        raise BadUserInput(
            "Redirect to a third organization, not back to the sender; decline instead.",
            field="toOrganizationId",
        )
    networks = await _check_destination(
        tx,
        sender_id=sender,
        receiver_id=receiver,
        service_id=service,
        needs=list(original["needCodes"]),
        override=False,
    )
    props = {
        k: original[k]
        for k in (
            "urgency",
            "consentGiven",
            "consentAt",
            "consentMethod",
            "consentScope",
            "overrideAvailability",
            "needCodes",
            *CONTACT_PROPS,
        )
        if original.get(k) is not None
    }
    props["overrideAvailability"] = False
    props["familyReference"] = original["familyRef"]
    new_id = str(uuid.uuid4())
    await _create_referral(
        tx,
        referral_id=new_id,
        sender_id=sender,
        receiver_id=receiver,
        clean=_Clean(props=props, needs=list(original["needCodes"])),
        service_id=service,
        place_id=original.get("placeId"),
        networks=networks,
        watchers=[*original["watcherIds"], receiver],
        now=now,
        scope=None,
        payload_hash=None,
        redirected_from=original_id,
    )
    # The family node is the original sender's; link the new referral to the same one.
    await tx.run(
        "MATCH (r:Referral {id: $new})-[c:CONCERNS]->(f:Family) DELETE c "
        "WITH DISTINCT r MATCH (:Referral {id: $old})-[:CONCERNS]->(orig:Family) "
        "CREATE (r)-[:CONCERNS]->(orig)",
        new=new_id,
        old=original_id,
    )
    await tx.run(
        "MATCH (s:Organization {id: $sender})-[k:KNOWS_FAMILY]->(f:Family) "
        "WHERE NOT EXISTS { MATCH (f)<-[:CONCERNS]-() } DELETE k, f",
        sender=sender,
    )
    # Every party of a chain may follow the whole chain (metadata; personal data stays
    # with each referral's own sender and receiver).
    await tx.run(
        "MATCH (:Referral {id: $old})-[:REDIRECTED_FROM*0..]->(x:Referral) "
        "WHERE NOT $receiver IN x.watcherIds SET x.watcherIds = x.watcherIds + $receiver",
        old=original_id,
        receiver=receiver,
    )
    await record_event(
        tx,
        new_id,
        EventType.SENT,
        ReferralStatus.SENT,
        at=now,
        actor_user_id=actor_user_id,
        actor_org_id=actor_org_id,
        comment=None,
    )
    return new_id


async def add_note(
    db: Database,
    referral_id: str,
    text: str,
    *,
    actor_user_id: str,
    actor_org_id: str,
    now: datetime,
) -> dict[str, Any]:
    """Add a note to a referral's timeline, in whatever status it is (NOTE keeps it)."""
    parties = await referral_parties(db, referral_id)
    if parties is None:
        raise NotFound(f"No referral with id {referral_id}.", field="id")
    return await transition(
        db,
        referral_id,
        Action.NOTE,
        expected_status=parties["status"],
        actor_user_id=actor_user_id,
        actor_org_id=actor_org_id,
        now=now,
        comment=text,
    )


async def withdraw_consent(
    db: Database,
    referral_id: str,
    *,
    actor_user_id: str | None,
    actor_org_id: str,
    now: datetime,
    comment: str | None = None,
) -> dict[str, Any]:
    """The family withdrew consent: purge contact details now, record it, keep the status.

    A redirect copies the contact to the new referral, so the withdrawal covers
    the whole redirect chain the referral belongs to, earlier and later links.
    """
    rid = check_id(referral_id, "id")
    comment_ok = optional_text(comment, "comment", max_length=1000)

    async def work(tx: Tx) -> dict[str, Any]:
        row = await tx.row(
            "MATCH (r:Referral {id: $id}) SET r.lockVersion = coalesce(r.lockVersion, 0) + 1 "
            "RETURN r.status AS status, r.consentGiven AS given",
            id=rid,
        )
        if row is None:
            raise NotFound(f"No referral with id {rid}.", field="id")
        if not row["given"]:
            raise Conflict("Consent is already withdrawn or was never given.", field="id")
        chain = await tx.rows(
            "MATCH (:Referral {id: $id})-[:REDIRECTED_FROM*0..]-(x:Referral) "
            "WHERE x.consentGiven "
            "SET x.lockVersion = coalesce(x.lockVersion, 0) + 1 "
            "REMOVE x.contactPhone, x.contactEmail, x.contactLanguage, x.contactBestTime "
            "SET x.consentGiven = false, x.consentWithdrawnAt = $now, "
            "x.contactPurgedAt = coalesce(x.contactPurgedAt, $now) "
            "RETURN DISTINCT x.id AS id, x.status AS status",
            id=rid,
            now=now,
        )
        for link in chain:
            await record_event(
                tx,
                link["id"],
                EventType.CONSENT_WITHDRAWN,
                ReferralStatus(link["status"]),
                at=now,
                actor_user_id=actor_user_id,
                actor_org_id=actor_org_id,
                comment=comment_ok,
            )
        return await _referral(tx, rid)

    return await db.write(work)


async def referrals_by_id(db: Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Referral id -> its fields (:data:`REFERRAL_FIELDS`); unknown ids are left out."""
    rows = await db.rows(
        f"MATCH (r:Referral) WHERE r.id IN $ids RETURN {REFERRAL_FIELDS} AS r", ids=ids
    )
    return {row["r"]["id"]: dict(row["r"]) for row in rows}


async def events_by_referral(db: Database, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Referral id -> its timeline, oldest first."""
    rows = await db.rows(
        "MATCH (r:Referral)-[:HAS_EVENT]->(e:ReferralEvent) WHERE r.id IN $ids "
        "WITH r, e ORDER BY e.seq "
        f"RETURN r.id AS id, collect({EVENT_FIELDS}) AS events",
        ids=ids,
    )
    return {row["id"]: [dict(e) for e in row["events"]] for row in rows}
