"""Delivering the outbox: claim due notifications, read what to say, record the outcome.

A worker (``server/mailer.py``) claims PENDING notifications whose
``nextAttemptAt`` is past (:func:`claim_due`): the claim moves
``nextAttemptAt`` a lease ahead and stamps a claim token, so another worker
(another API process) leaves them alone, and a worker that dies mid-way only
delays them by the lease. The outcome is recorded under the same claim token:
DELIVERED with ``deliveredAt`` as soon as the SMTP server accepted the message
(:func:`mark_delivered`), another attempt later with a growing delay
(:func:`mark_failed`), or DROPPED with its reason (:func:`drop`).

:func:`message_context` reads what a message may say and nothing more: the
parties' names, the service, needs, urgency and deadline, the network, and
the recipient's address and language — never the family's reference,
contact, notes or comments.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from domain.errors import BadUserInput, NotFound
from domain.notifications import DeliveryMode, NotificationKind
from graph.db import Database, Tx
from graph.validation import check_enum, check_id

__all__ = [
    "claim_due",
    "counts_by_state",
    "drop",
    "mark_delivered",
    "mark_failed",
    "message_context",
    "notification_preferences",
    "set_notification_preferences",
]

NOTIFICATION_FIELDS = (
    "n {.id, .key, .kind, .referralId, .recipientOrgId, .recipientUserId, .state, .attempts, "
    ".nextAttemptAt, .createdAt, .deliveredAt, .digest, .stage, .claim, .dropReason}"
)


async def claim_due(
    db: Database,
    now: datetime,
    *,
    lease_seconds: float,
    limit: int = 50,
    due_by: datetime | None = None,
) -> list[dict[str, Any]]:
    """Claim up to ``limit`` PENDING notifications due by ``due_by`` (default ``now``).

    Oldest first; each is leased for ``lease_seconds`` from ``now``.
    """
    claim = str(uuid.uuid4())
    due = due_by or now

    async def work(tx: Tx) -> list[dict[str, Any]]:
        candidates = await tx.rows(
            "MATCH (n:Notification) WHERE n.state = 'PENDING' AND n.nextAttemptAt <= $now "
            "RETURN n.id AS id ORDER BY n.nextAttemptAt, n.createdAt LIMIT $limit",
            now=due,
            limit=limit,
        )
        if not candidates:
            return []
        ids = [row["id"] for row in candidates]
        # Lock first, then re-read: another worker may have claimed some meanwhile.
        await tx.run(
            "UNWIND $ids AS id MATCH (n:Notification {id: id}) "
            "SET n.lockVersion = coalesce(n.lockVersion, 0) + 1",
            ids=ids,
        )
        rows = await tx.rows(
            "UNWIND $ids AS id MATCH (n:Notification {id: id}) "
            "WHERE n.state = 'PENDING' AND n.nextAttemptAt <= $now "
            "SET n.claim = $claim, n.nextAttemptAt = $leaseUntil "
            f"RETURN {NOTIFICATION_FIELDS} AS n",
            ids=ids,
            now=due,
            claim=claim,
            leaseUntil=now + timedelta(seconds=lease_seconds),
        )
        return [dict(row["n"]) for row in rows]

    return await db.write(work)


async def _settle(db: Database, notification: dict[str, Any], query: str, **params: Any) -> bool:
    """Apply ``query`` to the notification if this worker's claim still holds it."""

    async def work(tx: Tx) -> bool:
        row = await tx.row(
            "MATCH (n:Notification {id: $id}) WHERE n.claim = $claim AND n.state = 'PENDING' "
            f"{query} RETURN n.id AS id",
            id=notification["id"],
            claim=notification["claim"],
            **params,
        )
        return row is not None

    return await db.write(work)


async def mark_delivered(db: Database, notification: dict[str, Any], now: datetime) -> bool:
    """DELIVERED at ``now``: the SMTP server accepted the message."""
    return await _settle(
        db,
        notification,
        "SET n.state = 'DELIVERED', n.deliveredAt = $now, n.attempts = n.attempts + 1, "
        "n.lastError = null REMOVE n.claim",
        now=now,
    )


async def mark_failed(
    db: Database, notification: dict[str, Any], now: datetime, *, error: str, delay_seconds: float
) -> bool:
    """Another attempt in ``delay_seconds``; ``error`` says why this one failed."""
    return await _settle(
        db,
        notification,
        "SET n.attempts = n.attempts + 1, n.nextAttemptAt = $next, n.lastError = $error, "
        "n.lastAttemptAt = $now REMOVE n.claim",
        now=now,
        next=now + timedelta(seconds=delay_seconds),
        error=error[:500],
    )


async def drop(db: Database, notification: dict[str, Any], now: datetime, *, reason: str) -> bool:
    """DROPPED with ``reason``: the notification is no longer worth sending."""
    return await _settle(
        db,
        notification,
        "SET n.state = 'DROPPED', n.droppedAt = $now, n.dropReason = $reason REMOVE n.claim",
        now=now,
        reason=reason,
    )


async def message_context(db: Database, notification: dict[str, Any]) -> dict[str, Any] | None:
    """What the message about ``notification`` may say, and where it goes; None if gone."""
    return await db.row(
        "MATCH (s:Organization)-[:SENT]->(r:Referral {id: $rid})-[:TO]->(t:Organization) "
        "OPTIONAL MATCH (r)-[:FOR_SERVICE]->(svc:Service) "
        "OPTIONAL MATCH (o:Organization {id: $org}) "
        "OPTIONAL MATCH (u:User {id: $user}) "
        "RETURN r.id AS referralId, r.status AS status, r.urgency AS urgency, "
        "r.needCodes AS needCodes, r.acknowledgeBy AS acknowledgeBy, r.sentAt AS sentAt, "
        "s.name AS senderName, t.name AS receiverName, svc.name AS serviceName, "
        "COLLECT { MATCH (n:Network) WHERE n.id IN r.networkIds RETURN n.name "
        "ORDER BY n.name } AS networkNames, "
        "coalesce(o.email, u.email) AS address, coalesce(o.name, u.name) AS recipientName, "
        "coalesce(o.languages, u.languages, ['fr']) AS languages",
        rid=notification["referralId"],
        org=notification.get("recipientOrgId"),
        user=notification.get("recipientUserId"),
    )


async def counts_by_state(db: Database, referral_ids: list[str]) -> dict[str, int]:
    """How many notifications of these referrals are in each state."""
    rows = await db.rows(
        "MATCH (n:Notification) WHERE n.referralId IN $ids RETURN n.state AS state, count(*) AS c",
        ids=referral_ids,
    )
    return {row["state"]: int(row["c"]) for row in rows}


async def notification_preferences(db: Database, organization_id: str) -> dict[str, Any]:
    """The organization's delivery mode and the kinds it receives (all when never set)."""
    row = await db.row(
        "MATCH (o:Organization {id: $id}) RETURN o.notifyMode AS mode, o.notifyKinds AS kinds, "
        "o.email AS email",
        id=check_id(organization_id, "organizationId"),
    )
    if row is None:
        raise NotFound(f"No organization with id {organization_id}.", field="organizationId")
    return {
        "organizationId": organization_id,
        "mode": row["mode"] or DeliveryMode.IMMEDIATE.value,
        "kinds": row["kinds"] if row["kinds"] is not None else [k.value for k in NotificationKind],
        "email": row["email"],
    }


async def set_notification_preferences(
    db: Database, organization_id: str, *, mode: str, kinds: list[str], now: datetime
) -> dict[str, Any]:
    """Set how (``mode``) and of what (``kinds``) the organization is told.

    BAD_USER_INPUT names the field at fault: an unknown mode or kind, or
    ESCALATION (which goes to coordinators, never to an organization).
    """
    oid = check_id(organization_id, "organizationId")
    mode_ok = check_enum(mode, DeliveryMode, "mode").value
    kinds_ok = sorted({check_enum(k, NotificationKind, "kinds").value for k in kinds})
    if NotificationKind.ESCALATION.value in kinds_ok:
        raise BadUserInput(
            "ESCALATION goes to the network's coordinators, not to an organization; leave it out.",
            field="kinds",
        )
    updated = await db.write(
        lambda tx: tx.row(
            "MATCH (o:Organization {id: $id}) SET o.notifyMode = $mode, o.notifyKinds = $kinds, "
            "o.updatedAt = $now RETURN o.id AS id",
            id=oid,
            mode=mode_ok,
            kinds=kinds_ok,
            now=now,
        )
    )
    if updated is None:
        raise NotFound(f"No organization with id {oid}.", field="organizationId")
    return await notification_preferences(db, oid)
