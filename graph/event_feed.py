"""Follow referral events by their global ``seq``: works across API processes.

Each event's ``seq`` comes from one counter whose lock is held to commit, so
``seq`` order is commit order and ``seq > cursor`` misses nothing.
"""

from __future__ import annotations

from typing import Any

from graph.db import Database
from graph.referrals import EVENT_FIELDS

__all__ = ["events_after", "latest_seq"]


async def latest_seq(db: Database) -> int:
    row = await db.row("MATCH (c:EventCounter {name: 'referralEvents'}) RETURN c.value AS v")
    return 0 if row is None else int(row["v"])


async def events_after(
    db: Database, cursor: int, organization_id: str, *, limit: int = 100
) -> list[dict[str, Any]]:
    """Events after ``cursor`` on referrals the organization sent or received, in order."""
    return await db.rows(
        "MATCH (r:Referral)-[:HAS_EVENT]->(e:ReferralEvent) WHERE e.seq > $cursor "
        "AND (EXISTS { MATCH (:Organization {id: $org})-[:SENT]->(r) } "
        "     OR EXISTS { MATCH (r)-[:TO]->(:Organization {id: $org}) }) "
        f"WITH r, e ORDER BY e.seq LIMIT $limit RETURN r.id AS referralId, {EVENT_FIELDS} AS event",
        cursor=cursor,
        org=organization_id,
        limit=limit,
    )
