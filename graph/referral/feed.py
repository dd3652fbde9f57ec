"""Follow an organization's referral events by feed position: works across API processes.

Every event holds a position in its sender's feed and one in its receiver's
(:mod:`graph.referral.events`). Positions of one organization are taken
under that organization's feed lock, held to commit, so they are gap-free
and in commit order: ``position > cursor`` misses nothing and repeats
nothing. An organization that refers to itself has one position per event.
"""

from __future__ import annotations

from typing import Any

from graph.db import Database
from graph.referral.commands import EVENT_FIELDS

__all__ = ["events_after", "latest_position"]


async def latest_position(db: Database, organization_id: str) -> int:
    """The position of the organization's latest committed event (0 before any)."""
    row = await db.row(
        "OPTIONAL MATCH (f:EventFeed {organizationId: $org}) RETURN f.value AS v",
        org=organization_id,
    )
    return 0 if row is None or row["v"] is None else int(row["v"])


async def events_after(
    db: Database, cursor: int, organization_id: str, *, limit: int = 100
) -> list[dict[str, Any]]:
    """The organization's events after ``cursor``, in feed order, each with its ``position``."""
    return await db.rows(
        "CALL () { "
        "  MATCH (e:ReferralEvent) WHERE e.senderOrganizationId = $org "
        "  AND e.senderPosition > $cursor "
        "  RETURN e, e.senderPosition AS position ORDER BY position LIMIT $limit "
        "  UNION "
        "  MATCH (e:ReferralEvent) WHERE e.receiverOrganizationId = $org "
        "  AND e.receiverPosition > $cursor "
        "  RETURN e, e.receiverPosition AS position ORDER BY position LIMIT $limit } "
        "WITH e, position ORDER BY position LIMIT $limit "
        "MATCH (r:Referral)-[:HAS_EVENT]->(e) "
        f"RETURN r.id AS referralId, position, {EVENT_FIELDS} AS event ORDER BY position",
        cursor=cursor,
        org=organization_id,
        limit=limit,
    )
