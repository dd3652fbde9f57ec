"""What the presence analytics read: a network's visits, outreach referrals and open needs.

Plain rows for :mod:`analytics.presence`: the members' visits of a period,
the referrals they sent that originated at a place (with how each ended and
whether the receiver shares staff with the sender), and per territory the
need codes some OPEN or WAITLIST service available there addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from graph.db import Database

__all__ = ["PresenceData", "network_presence"]

_VISITS = (
    "MATCH (o:Organization)-[:MEMBER_OF]->(n:Network) WHERE n.id IN $networks "
    "WITH DISTINCT o MATCH (o)-[x:PRESENT_AT]->(p:Place) "
    "WHERE x.date >= date($start) AND x.date <= date($end) "
    "RETURN o.id AS organization, o.name AS organizationName, p.id AS place, "
    "p.name AS placeName, p.kind AS kind, "
    "COLLECT { MATCH (p)-[:IN_TERRITORY]->(t) RETURN t.id }[0] AS territory, "
    "x.date AS day, x.hours AS hours, coalesce(x.contacts, 0) AS contacts, "
    "coalesce(x.firstContacts, 0) AS firstContacts, coalesce(x.needsHeard, []) AS needs, "
    "coalesce(x.warmHandoffs, 0) AS warmHandoffs"
)

# Shared staff makes the receiver one of the sender's own services in all but name.
_REFERRALS = (
    "MATCH (s:Organization)-[:MEMBER_OF]->(n:Network) WHERE n.id IN $networks "
    "WITH DISTINCT s MATCH (s)-[:SENT]->(r:Referral)-[:ORIGINATED_AT]->(p:Place) "
    "WHERE r.sentAt >= $from AND r.sentAt < $until "
    "MATCH (r)-[:TO]->(t:Organization) "
    "RETURN s.id AS sender, t.id AS receiver, p.id AS place, date(r.sentAt) AS day, "
    "r.status AS status, "
    "COLLECT { MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent {type: 'DECLINED'}) "
    "RETURN coalesce(e.reason, 'OTHER') }[0] AS declineReason, "
    "COLLECT { MATCH (r)-[:FOR_NEED]->(n:Need) RETURN n.code } AS needs, "
    "EXISTS { MATCH (s)-[k:PARTNERS_WITH {kind: 'SHARED_STAFF'}]-(t) "
    "WHERE k.until IS NULL OR k.until >= date(r.sentAt) } AS ownService"
)

_OPEN_NEEDS = (
    "MATCH (o:Organization)-[:OFFERS]->(s:Service)-[:AVAILABLE_IN]->(t:Territory) "
    "WHERE s.availability IN ['OPEN', 'WAITLIST'] AND coalesce(o.active, true) "
    "MATCH (s)-[:ADDRESSES]->(n:Need) "
    "RETURN t.id AS territory, collect(DISTINCT n.code) AS needs"
)


@dataclass(frozen=True)
class PresenceData:
    """A network's presence log and outreach referrals of a period, as plain rows."""

    visits: list[dict[str, Any]]
    referrals: list[dict[str, Any]]
    open_needs: dict[str, frozenset[str]]


def _native(value: Any) -> Any:
    return value.to_native() if hasattr(value, "to_native") else value


async def network_presence(
    db: Database, network_ids: list[str], start: date, end: date
) -> PresenceData:
    """Visits and outreach referrals of the networks' members between two days (both included).

    Several networks are read as one region: an organization in two counts once.
    """
    since = datetime.combine(start, time(0), tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC)
    visits = await db.rows(
        _VISITS, networks=network_ids, start=start.isoformat(), end=end.isoformat()
    )
    referrals = await db.rows(
        _REFERRALS,
        networks=network_ids,
        **{"from": since, "until": until},
    )
    needs = await db.rows(_OPEN_NEEDS)
    return PresenceData(
        visits=[{**v, "day": _native(v["day"])} for v in visits],
        referrals=[{**r, "day": _native(r["day"])} for r in referrals],
        open_needs={row["territory"]: frozenset(row["needs"]) for row in needs},
    )
