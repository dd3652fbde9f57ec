"""The outbox: notifications written in the transaction of what they tell.

:func:`notify_event` is called by :func:`graph.referral.events.record_event`,
so a referral event and the notifications it creates (the table in
:mod:`domain.notifications`) commit together or not at all: nothing is told
that did not happen, and nothing that happened goes untold. The sweep adds
reminders and escalations with :func:`create_reminders`. An organization
without an intake address (``email``) is told nothing.

Each notification has a ``key`` under a uniqueness constraint (the event and
kind, or the referral, kind, stage and recipient for the sweep's), so running
the sweep twice creates nothing new. A notification starts PENDING with
``nextAttemptAt`` now (or at the recipient's next daily digest).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from domain.notifications import (
    NotificationKind,
    ReminderPolicy,
    due_reminder,
    escalation_due,
    next_digest_at,
    notifications_for,
)
from domain.vocabulary import EventType
from graph.db import Database, Tx

__all__ = ["create_reminders", "notify_event"]

BATCH = 500

# The recipient organization's wishes: the kinds it receives (null: all) and its delivery mode.
_CREATE = (
    "UNWIND $specs AS spec "
    "MATCH (s:Organization)-[:SENT]->(r:Referral {id: spec.referralId})-[:TO]->(t:Organization) "
    "WITH spec, r, CASE spec.recipient WHEN 'SENDER' THEN s ELSE t END AS o "
    "WHERE o.email IS NOT NULL AND (o.notifyKinds IS NULL OR spec.kind IN o.notifyKinds) "
    "MERGE (n:Notification {key: spec.key}) "
    "ON CREATE SET n.id = spec.id, n.kind = spec.kind, n.referralId = r.id, "
    "n.recipientOrgId = o.id, n.recipientUserId = null, n.eventId = spec.eventId, "
    "n.stage = spec.stage, n.state = 'PENDING', n.attempts = 0, n.createdAt = $now, "
    "n.digest = coalesce(o.notifyMode = 'DAILY_DIGEST', false), "
    "n.nextAttemptAt = CASE WHEN o.notifyMode = 'DAILY_DIGEST' THEN $digestAt ELSE $now END, "
    "n.isNew = true "
    "WITH n WHERE n.isNew REMOVE n.isNew RETURN count(n) AS n"
)


def _spec(
    referral_id: str,
    recipient: str,
    kind: NotificationKind,
    key: str,
    *,
    event_id: str | None = None,
    stage: int | None = None,
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "referralId": referral_id,
        "recipient": recipient,
        "kind": kind.value,
        "key": key,
        "eventId": event_id,
        "stage": stage,
    }


async def notify_event(
    tx: Tx, referral_id: str, event: EventType, event_id: str, *, at: datetime
) -> None:
    """Create, in ``tx``, the notifications that ``event`` of the referral calls for."""
    wanted = notifications_for(event)
    if not wanted:
        return
    specs = [
        _spec(referral_id, recipient.value, kind, f"{event_id}:{kind.value}", event_id=event_id)
        for recipient, kind in wanted
    ]
    await tx.run(_CREATE, specs=specs, now=at, digestAt=next_digest_at(at))


async def create_reminders(db: Database, now: datetime, policy: ReminderPolicy) -> int:
    """Remind receivers of referrals still SENT, and tell coordinators of those near expiry.

    Idempotent: one notification per referral, kind, stage (and coordinator);
    returns how many were created.
    """

    async def work(tx: Tx) -> int:
        rows = await tx.rows(
            "MATCH (r:Referral {status: 'SENT'}) WHERE r.acknowledgeBy > $now "
            "RETURN r.id AS id, r.sentAt AS sentAt, r.acknowledgeBy AS by, "
            "r.networkIds AS networkIds",
            now=now,
        )
        specs: list[dict[str, Any]] = []
        escalate: list[dict[str, Any]] = []
        for row in rows:
            sent, by = row["sentAt"].to_native(), row["by"].to_native()
            stage = due_reminder(policy, sent, by, now)
            if stage is not None:
                kind = NotificationKind.ACKNOWLEDGE_REMINDER
                key = f"{row['id']}:{kind.value}:{stage}"
                specs.append(_spec(row["id"], "RECEIVER", kind, key, stage=stage))
            if escalation_due(policy, by, now):
                escalate.append({"referralId": row["id"], "networkIds": row["networkIds"] or []})
        created = 0
        for start in range(0, len(specs), BATCH):
            made = await tx.row(
                _CREATE,
                specs=specs[start : start + BATCH],
                now=now,
                digestAt=next_digest_at(now),
            )
            created += int(made["n"]) if made else 0
        if escalate:
            created += await _escalate(tx, escalate, now)
        return created

    return await db.write(work)


async def _escalate(tx: Tx, referrals: list[dict[str, Any]], now: datetime) -> int:
    """One ESCALATION per referral and coordinator of one of its networks."""
    kind = NotificationKind.ESCALATION.value
    row = await tx.row(
        "UNWIND $referrals AS ref "
        "MATCH (u:User)-[:COORDINATES]->(net:Network) WHERE net.id IN ref.networkIds "
        "WITH DISTINCT ref, u "
        "MERGE (n:Notification {key: ref.referralId + ':' + $kind + ':' + u.id}) "
        "ON CREATE SET n.id = randomUUID(), n.kind = $kind, n.referralId = ref.referralId, "
        "n.recipientOrgId = null, n.recipientUserId = u.id, n.state = 'PENDING', "
        "n.attempts = 0, n.createdAt = $now, n.nextAttemptAt = $now, n.digest = false, "
        "n.isNew = true "
        "WITH n WHERE n.isNew REMOVE n.isNew RETURN count(n) AS n",
        referrals=referrals,
        kind=kind,
        now=now,
    )
    return int(row["n"]) if row else 0
