"""The one write every referral event goes through: append it, move the referral.

Sending, every lifecycle action, the sweep's expiries and purges and a
withdrawal of consent all call :func:`record_event` inside the transaction
that holds the referral's lock. The event takes the next ``seq`` of the one
event counter (held to commit, so ``seq`` order is commit order); the
referral takes the event's status and, when the event closes its loop
(:func:`domain.lifecycle.closes_loop`), its ``closedAt``. The notifications
the event calls for (:mod:`domain.notifications`) are written in the same
transaction (:func:`graph.notification_outbox.notify_event`): an outbox.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from domain.lifecycle import closes_loop
from domain.vocabulary import EventType, ReferralStatus
from graph.db import Tx
from graph.notification_outbox import notify_event

__all__ = ["record_event"]


async def record_event(
    tx: Tx,
    referral_id: str,
    event: EventType,
    status: ReferralStatus,
    *,
    at: datetime,
    actor_user_id: str | None,
    actor_org_id: str | None,
    reason: str | None = None,
    comment: str | None = None,
    via: str | None = None,
) -> None:
    """Append ``event`` to the referral's timeline and set its ``status`` (the status after it).

    ``via`` says how the action reached the API when not through it directly
    (``EMAIL_LINK``: a one-click answer from a notification e-mail).
    """
    event_id = str(uuid.uuid4())
    await tx.run(
        "MATCH (c:EventCounter {name: 'referralEvents'}) SET c.value = c.value + 1 "
        "WITH c.value AS seq "
        "MATCH (r:Referral {id: $rid}) "
        "CREATE (r)-[:HAS_EVENT]->(:ReferralEvent {id: $eid, seq: seq, type: $type, "
        "status: $status, at: $at, actorUserId: $user, actorOrganizationId: $org, "
        "reason: $reason, comment: $comment, via: $via}) "
        "SET r.status = $status, r.updatedAt = $at, r.lastEventSeq = seq "
        "FOREACH (_ IN CASE WHEN $closes THEN [1] ELSE [] END | SET r.closedAt = $at)",
        rid=referral_id,
        eid=event_id,
        type=event.value,
        status=status.value,
        at=at,
        user=actor_user_id,
        org=actor_org_id,
        reason=reason,
        comment=comment,
        via=via,
        closes=closes_loop(event, status),
    )
    await notify_event(tx, referral_id, event, event_id, at=at)
