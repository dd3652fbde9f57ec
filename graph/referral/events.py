"""The one write every referral event goes through: append it, move the referral.

Sending, every lifecycle action, the sweep's expiries and purges and a
withdrawal of consent all call :func:`record_event` inside the transaction
that holds the referral's lock. The event is numbered twice:

- ``seq``: its rank in the referral's own timeline (the referral's
  ``lastEventSeq`` plus one; the referral's lock makes it race-free);
- a **feed position** in each party's event feed: the sender's
  (``senderPosition``) and the receiver's (``receiverPosition``), taken from
  one ``(:EventFeed {organizationId})`` node per organization whose lock is
  held to commit. So, per organization, position order is commit order and a
  subscriber that reads ``position > cursor`` misses nothing (see
  :mod:`graph.referral.feed`). A slow transaction stalls only writes that touch
  one of its two organizations, never the rest of the network: there is no
  global counter. Feeds are locked in organization-id order, so two writers
  between the same pair cannot deadlock.

The referral then takes the event's status and, when the event closes its
loop (:func:`domain.lifecycle.closes_loop`), its ``closedAt``. The
notifications the event calls for (:mod:`domain.notifications`) are written
in the same transaction (:func:`graph.notify.outbox.notify_event`): an
outbox.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from domain.lifecycle import closes_loop
from domain.vocabulary import EventType, ReferralStatus
from graph.db import Tx
from graph.notify.outbox import notify_event

__all__ = ["FEED_POSITIONS", "record_event"]

# Cypher, given ``s`` (sender), ``t`` (receiver) and ``n`` (events to number):
# advance both parties' feeds by ``n`` (one feed when they are the same), in id
# order, and give each feed's position before the advance as ``sbase`` / ``tbase``
# (null for a party the graph does not have: that side gets no position).
FEED_POSITIONS = (
    "CALL (s, t, n) { "
    "  UNWIND [x IN [s.id, t.id] WHERE x IS NOT NULL] AS party "
    "  WITH DISTINCT party AS org ORDER BY org "
    "  MERGE (f:EventFeed {organizationId: org}) ON CREATE SET f.value = 0 "
    "  SET f.value = f.value + n "
    "  RETURN collect([org, f.value - n]) AS bases } "
    "WITH *, [b IN bases WHERE b[0] = s.id][0][1] AS sbase, "
    "[b IN bases WHERE b[0] = t.id][0][1] AS tbase "
)

_APPEND = (
    "MATCH (r:Referral {id: $rid}) "
    "OPTIONAL MATCH (s:Organization)-[:SENT]->(r) OPTIONAL MATCH (r)-[:TO]->(t:Organization) "
    "WITH s, r, t, 1 AS n "
    + FEED_POSITIONS
    + "WITH r, s, t, sbase, tbase, coalesce(r.lastEventSeq, 0) + 1 AS seq "
    "CREATE (r)-[:HAS_EVENT]->(:ReferralEvent {id: $eid, seq: seq, type: $type, "
    "status: $status, at: $at, actorUserId: $user, actorOrganizationId: $org, "
    "reason: $reason, comment: $comment, via: $via, "
    "senderOrganizationId: s.id, senderPosition: sbase + 1, "
    "receiverOrganizationId: t.id, receiverPosition: tbase + 1}) "
    "SET r.status = $status, r.updatedAt = $at, r.lastEventSeq = seq "
    "FOREACH (_ IN CASE WHEN $closes THEN [1] ELSE [] END | SET r.closedAt = $at)"
)


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
        _APPEND,
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
