"""The Cypher of :mod:`graph.aggregates.queries`: referral events reduced inside Neo4j.

Every query takes the same parameters, so one call site can run any of them:

- ``$networks`` — network ids; an organization counts while it is a member
  of any of them;
- ``$from``, ``$until`` — the window as UTC datetimes, ``$until`` exclusive;
- ``$unit`` — ``'month'``, ``'quarter'``, ``'year'`` or null (one period);
  a referral's period is ``date.truncate($unit, r.sentAt)`` (UTC), or
  ``$first`` when ``$unit`` is null;
- ``$periods`` — ``[{key, start, end}]`` with ``key`` that same truncated
  date and ``start``/``end`` the period's first and last day (both included);
- ``$now`` and the parameters of
  :func:`graph.referral.conditions.deadline_parameters` — "overdue" as
  everywhere (:mod:`domain.deadlines`): still awaiting its acknowledgement and
  past ``acknowledgeBy`` at ``$now``; an expired or late-acknowledged referral
  is not overdue;
- ``$reasons`` — the DeclineReason codes, in the order of the returned
  ``declined`` lists;
- ``$spans`` — for the queries of referrals: each organization's memberships
  of the networks as ``{id: [[since, until], …]}`` (:data:`MEMBER_SPANS`),
  and ``$orgs`` its keys. Read once and passed in, they replace two
  membership subqueries per referral (a million-referral region's scan: 18 s
  with the subqueries, 5 s with the map).

A referral belongs to the window when both its sender and its receiver were
members of one of the networks on the (UTC) day it was sent; this is also how
``networkIds`` is set when a referral is sent (the networks the two share).
``MEMBER_OF.until`` and ``PARTNERS_WITH.until`` are the last day included.
"""

from __future__ import annotations

from graph.referral import conditions as when

__all__ = [
    "ACTIVE_MEMBERS",
    "ACTIVE_PARTNERSHIPS",
    "AVAILABILITY_OVERRIDES",
    "FUNNEL_BY_NEEDS_AND_TERRITORY",
    "MEMBER_SPANS",
    "NETWORK_TERRITORIES",
    "ORGANIZATION_NETWORKS",
    "PLACE_OUTCOMES",
    "PROVIDERS",
    "REFERRAL_EVENTS",
    "REFERRAL_TIES",
]

#: Memberships of the networks per organization: the ``$spans`` parameter.
MEMBER_SPANS = (
    "MATCH (o:Organization)-[m:MEMBER_OF]->(n:Network) WHERE n.id IN $networks "
    "RETURN o.id AS id, collect([m.since, m.until]) AS spans"
)

_MEMBER_ON_DAY = "any(x IN $spans[{who}.id] WHERE x[0] <= day AND (x[1] IS NULL OR x[1] >= day))"

# Referrals of the window with their sender ``s``, receiver ``t`` and ``period``.
_REFERRALS = (
    "MATCH (s:Organization)-[:SENT]->(r:Referral)-[:TO]->(t:Organization) "
    "WHERE s.id IN $orgs AND r.sentAt >= $from AND r.sentAt < $until "
    "WITH s, r, t, date(r.sentAt) AS day "
    f"WHERE {_MEMBER_ON_DAY.format(who='s')} AND {_MEMBER_ON_DAY.format(who='t')} "
    "WITH s, r, t, CASE WHEN $unit IS NULL THEN $first "
    "ELSE date.truncate($unit, r.sentAt) END AS period "
)

# What a referral ever reached: its event types, first acknowledgement and its
# decline reason.
_STAGES = (
    "CALL (r) { MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent) "
    "RETURN collect(e.type) AS types, "
    "min(CASE WHEN e.type = 'ACKNOWLEDGED' THEN e.at END) AS ackAt, "
    "head(collect(CASE WHEN e.type = 'DECLINED' THEN coalesce(e.reason, 'OTHER') END)) "
    "AS declineReason } "
)


def _reached(stage: str) -> str:
    return f"sum(CASE WHEN '{stage}' IN types THEN 1 ELSE 0 END)"


_FUNNEL_SUMS = (
    f"count(*) AS sent, {_reached('ACKNOWLEDGED')} AS acknowledged, "
    f"{_reached('ACCEPTED')} AS accepted, {_reached('CONTACTED')} AS contacted, "
    f"{_reached('COMPLETED')} AS completed, collect(declineReason) AS reasons"
)
_DECLINED_BY_REASON = "[reason IN $reasons | size([x IN reasons WHERE x = reason])] AS declined"

#: One row per period: ``receivers``, a list of ``[receiver id, median hours to
#: acknowledge over all it received, ties]``, each tie ``[sender id, sent,
#: acknowledged, accepted, contacted, completed, noShow, redirected, expired,
#: cancelled, overdue, acknowledged late, median hours, declined per $reasons]``: the
#: :class:`~analytics.model.ReferralTie` counts. Nested lists keep the records few
#: (the driver's cost is per record) and one scan serves ties and receivers.
#: Medians are ``percentileCont(hours, 0.5)``: the mean of the two middle values
#: for an even number of acknowledgements, as ``statistics.median``.
REFERRAL_TIES = (
    _REFERRALS + _STAGES + "WITH period, s.id AS source, t.id AS target, types, declineReason, "
    "CASE WHEN ackAt IS NULL THEN null "
    "ELSE duration.inSeconds(r.sentAt, ackAt).seconds / 3600.0 END AS hours, "
    f"{when.overdue('r')} AS overdue, {when.acknowledged_late('ackAt')} AS late "
    f"WITH period, source, target, {_FUNNEL_SUMS}, "
    f"{_reached('NO_SHOW')} AS noShow, {_reached('REDIRECTED')} AS redirected, "
    f"{_reached('EXPIRED')} AS expired, {_reached('CANCELLED')} AS cancelled, "
    "sum(CASE WHEN overdue THEN 1 ELSE 0 END) AS overdue, "
    "sum(CASE WHEN late THEN 1 ELSE 0 END) AS acknowledgedLate, "
    "percentileCont(hours, 0.5) AS medianHours, collect(hours) AS hours "
    "WITH period, target, "
    "collect([source, sent, acknowledged, accepted, contacted, completed, noShow, redirected, "
    "expired, cancelled, overdue, acknowledgedLate, medianHours, "
    "[reason IN $reasons | size([x IN reasons WHERE x = reason])]]) AS ties, "
    "reduce(pool = [], h IN collect(hours) | pool + h) AS received "
    "CALL (received) { UNWIND received AS h RETURN percentileCont(h, 0.5) AS receiverHours } "
    "RETURN period, collect([target, receiverHours, ties]) AS receivers"
)

#: Every event of the window's referrals whose type is in ``$eventTypes``: the
#: referral's period (of its sending), sender, receiver, the event's type, time
#: and decline reason (``OTHER`` when none was given, as in the counts).
REFERRAL_EVENTS = (
    _REFERRALS + "MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent) WHERE e.type IN $eventTypes "
    "RETURN period, r.id AS referral, s.id AS sender, t.id AS receiver, e.type AS type, "
    "e.at AS at, CASE WHEN e.type = 'DECLINED' THEN coalesce(e.reason, 'OTHER') END AS reason"
)

#: Members of the networks at any time in each period (isolates included).
ACTIVE_MEMBERS = (
    "UNWIND $periods AS p "
    "MATCH (o:Organization)-[m:MEMBER_OF]->(n:Network) "
    "WHERE n.id IN $networks AND m.since <= p.end AND (m.until IS NULL OR m.until >= p.start) "
    "WITH DISTINCT p.key AS period, o "
    "RETURN period, o.id AS id, o.name AS name, o.kind AS kind, "
    "COLLECT { MATCH (o)-[:BASED_IN]->(x:Territory) RETURN x.id ORDER BY x.id }[0] AS territoryId"
)

_MEMBER_IN_PERIOD = (
    "EXISTS {{ MATCH ({who})-[m:MEMBER_OF]->(x:Network) WHERE x.id IN $networks "
    "AND m.since <= p.end AND (m.until IS NULL OR m.until >= p.start) }}"
)

#: Declared partnerships overlapping each period between two of its members.
ACTIVE_PARTNERSHIPS = (
    "MATCH (n:Network)<-[:MEMBER_OF]-(a:Organization) WHERE n.id IN $networks "
    "WITH DISTINCT a "
    "MATCH (a)-[k:PARTNERS_WITH]->(b:Organization) "
    "UNWIND $periods AS p "
    "WITH p, a, b, k WHERE k.since <= p.end AND (k.until IS NULL OR k.until >= p.start) "
    f"AND {_MEMBER_IN_PERIOD.format(who='a')} AND {_MEMBER_IN_PERIOD.format(who='b')} "
    "RETURN DISTINCT p.key AS period, a.id AS source, b.id AS target, k.kind AS kind"
)

#: Funnel counts per (period, family territory, list of needs). The family's
#: territory is that of the outreach place the referral originated at, else the
#: sender's own territory: where the family was met, not where it was sent.
FUNNEL_BY_NEEDS_AND_TERRITORY = (
    _REFERRALS + _STAGES + "WITH period, r.needCodes AS needs, types, declineReason, "
    "coalesce(COLLECT { MATCH (r)-[:ORIGINATED_AT]->(:Place)-[:IN_TERRITORY]->(x:Territory) "
    "RETURN x.id }[0], COLLECT { MATCH (s)-[:BASED_IN]->(x:Territory) RETURN x.id "
    "ORDER BY x.id }[0]) AS territory "
    f"WITH period, territory, needs, {_FUNNEL_SUMS} "
    "RETURN period, territory, needs, sent, acknowledged, accepted, contacted, completed, "
    f"{_DECLINED_BY_REASON}"
)

#: Referrals per (period, outreach place) and how many were completed.
PLACE_OUTCOMES = (
    _REFERRALS + "MATCH (r)-[:ORIGINATED_AT]->(place:Place) "
    "WITH period, place, EXISTS { MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent) "
    "WHERE e.type = 'COMPLETED' } AS completed "
    "RETURN period, place.id AS placeId, place.kind AS placeKind, count(*) AS referrals, "
    "sum(CASE WHEN completed THEN 1 ELSE 0 END) AS completed"
)

#: Referrals sent with ``overrideAvailability`` per (period, receiver, service).
AVAILABILITY_OVERRIDES = (
    _REFERRALS + "WITH period, r, t WHERE r.overrideAvailability = true "
    "WITH period, t.id AS receiver, "
    "COLLECT { MATCH (r)-[:FOR_SERVICE]->(x:Service) RETURN x.id }[0] AS service, "
    "EXISTS { MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent) WHERE e.type = 'COMPLETED' } "
    "AS completed, "
    "EXISTS { MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent) WHERE e.type = 'DECLINED' "
    "AND e.reason = 'NO_CAPACITY' } AS noCapacity "
    "RETURN period, receiver, service, count(*) AS referrals, "
    "sum(CASE WHEN noCapacity THEN 1 ELSE 0 END) AS declinedNoCapacity, "
    "sum(CASE WHEN completed THEN 1 ELSE 0 END) AS completed"
)

#: Who provides each need in each territory on day ``$on``: members that day
#: offering a service that ``ADDRESSES`` the need, is ``AVAILABLE_IN`` the
#: territory and is not CLOSED that day (its availability history up to the end
#: of ``$on``; FULL and WAITLIST still provide). A service created after that
#: day, with no history before it, does not count.
PROVIDERS = (
    "MATCH (n:Network)<-[m:MEMBER_OF]-(o:Organization) WHERE n.id IN $networks "
    "AND m.since <= $on AND (m.until IS NULL OR m.until >= $on) "
    "WITH DISTINCT o "
    "MATCH (o)-[:OFFERS]->(s:Service)-[:ADDRESSES]->(need:Need), "
    "(s)-[:AVAILABLE_IN]->(territory:Territory) "
    "WITH o, s, need, territory, COLLECT { MATCH (s)-[:HAS_AVAILABILITY]->(c) "
    "WHERE c.at < $onEnd RETURN c.availability ORDER BY c.at DESC LIMIT 1 }[0] AS asOf "
    "WHERE coalesce(asOf, CASE WHEN s.createdAt IS NULL OR s.createdAt < $onEnd "
    "THEN s.availability END, 'CLOSED') <> 'CLOSED' "
    "RETURN territory.id AS territoryId, need.code AS needCode, "
    "collect(DISTINCT o.id) AS providers"
)

#: Per network: the territories of its ``territoryCodes`` and those its members
#: are based in (the caller uses the latter for a network without codes).
NETWORK_TERRITORIES = (
    "MATCH (n:Network) WHERE n.id IN $networks "
    "RETURN n.id AS network, "
    "COLLECT { MATCH (t:Territory) WHERE t.code IN coalesce(n.territoryCodes, []) "
    "RETURN t.id } AS coded, "
    "COLLECT { MATCH (n)<-[:MEMBER_OF]-(:Organization)-[:BASED_IN]->(t:Territory) "
    "RETURN DISTINCT t.id } AS based"
)

#: The networks an organization was a member of at some time in a window.
ORGANIZATION_NETWORKS = (
    "MATCH (:Organization {id: $organization})-[m:MEMBER_OF]->(n:Network) "
    "WHERE m.since <= $last AND (m.until IS NULL OR m.until >= $firstDay) "
    "RETURN DISTINCT n.id AS id ORDER BY id"
)
