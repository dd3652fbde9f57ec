"""Referral reads in one query each: the inbox or outbox page, and one referral.

Pages are keyset-paged on ``(sentAt DESC, id)``: the next page starts after
the last referral seen, so one that arrives between two page requests does
not shift the next page. The page query starts from the organization (its
``TO`` or ``SENT`` relationships), never from every referral. The total and
the counts per status are computed only when asked for.

Only the wanted fields are returned (:class:`~graph.projection.Projection`),
with the sender, receiver and service nested; the reach of the caller (the
organizations and networks whose referrals it may read) filters inside the
query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.vocabulary import ReferralStatus
from graph.db import Database
from graph.directory.reads import organization_map, service_map
from graph.projection import Projection, Relation, map_projection
from graph.referral import conditions as when
from graph.referral.commands import ReferralFilter
from graph.validation import check_enum, check_id

__all__ = ["Keyset", "ReferralPage", "referral_map", "referral_page", "referral_read"]

_CONTACT = ("contactPhone", "contactEmail", "contactLanguage", "contactBestTime", "consentGiven")
REFERRAL_SCALARS = {
    "id": "{v}.id",
    "status": "{v}.status",
    "urgency": "{v}.urgency",
    "sentAt": "{v}.sentAt",
    "acknowledgeBy": "{v}.acknowledgeBy",
    "closedAt": "{v}.closedAt",
    "overrideAvailability": "{v}.overrideAvailability",
    "needCodes": "{v}.needCodes",
    "networkIds": "{v}.networkIds",
    "watcherIds": "{v}.watcherIds",
    "consentGiven": "{v}.consentGiven",
    "consentAt": "{v}.consentAt",
    "consentMethod": "{v}.consentMethod",
    "consentScope": "{v}.consentScope",
    "contactPhone": "{v}.contactPhone",
    "contactEmail": "{v}.contactEmail",
    "contactLanguage": "{v}.contactLanguage",
    "contactBestTime": "{v}.contactBestTime",
    "cursorAt": "toString({v}.sentAt)",
    "senderId": "COLLECT {{ MATCH ({v}_s:Organization)-[:SENT]->({v}) RETURN {v}_s.id }}[0]",
    "receiverId": "COLLECT {{ MATCH ({v})-[:TO]->({v}_t:Organization) RETURN {v}_t.id }}[0]",
    "serviceId": "COLLECT {{ MATCH ({v})-[:FOR_SERVICE]->({v}_x:Service) RETURN {v}_x.id }}[0]",
    "placeId": "COLLECT {{ MATCH ({v})-[:ORIGINATED_AT]->({v}_p:Place) RETURN {v}_p.id }}[0]",
    "familyId": "COLLECT {{ MATCH ({v})-[:CONCERNS]->({v}_f:Family) RETURN {v}_f.id }}[0]",
    "familyRef": (
        "COLLECT {{ MATCH ({v})-[:CONCERNS]->({v}_f:Family) RETURN {v}_f.reference }}[0]"
    ),
    "redirectedFromId": (
        "COLLECT {{ MATCH ({v})-[:REDIRECTED_FROM]->({v}_o:Referral) RETURN {v}_o.id }}[0]"
    ),
    "redirectedToId": (
        "COLLECT {{ MATCH ({v}_n:Referral)-[:REDIRECTED_FROM]->({v}) RETURN {v}_n.id }}[0]"
    ),
}
# What every referral row of a page carries; one read alone also carries its reach.
_ALWAYS = ("id", "status")
_REACH = ("senderId", "receiverId", "networkIds", "watcherIds")
# The parties and the consent: what the checks on family data and case notes read.
_PARTIES = ("senderId", "receiverId", "consentGiven")
# GraphQL fields computed from stored ones (the checks they pass included).
_NEEDS = {
    "overdue": ("status", "acknowledgeBy"),
    "needs": ("needCodes",),
    "consent": ("consentGiven", "consentAt", "consentMethod", "consentScope"),
    "family": ("familyId", "familyRef", *_PARTIES),
    "contact": (*_CONTACT, *_PARTIES),
    "events": _PARTIES,
    "notes": _PARTIES,
    # Who may act depends on the parties, and withdrawing consent on the consent.
    "allowedActions": _PARTIES,
    "place": ("placeId",),
    "redirectedFrom": ("redirectedFromId",),
    "redirectedTo": ("redirectedToId",),
}


def _party(rel: str) -> Relation:
    """The sender (``SENT``) or the receiver (``TO``) of a referral, nested."""

    def build(var: str, p: Projection, depth: int) -> str:
        o = f"o{depth}"
        pattern = (
            f"({o}:Organization)-[:SENT]->({var})"
            if rel == "SENT"
            else f"({var})-[:TO]->({o}:Organization)"
        )
        return f"COLLECT {{ MATCH {pattern} RETURN {organization_map(o, p, depth)} }}[0]"

    return build


def _service(var: str, p: Projection, depth: int) -> str:
    x = f"x{depth}"
    return (
        f"COLLECT {{ MATCH ({var})-[:FOR_SERVICE]->({x}:Service) "
        f"RETURN {service_map(x, p, depth)} }}[0]"
    )


def referral_map(
    var: str, projection: Projection, depth: int = 0, always: tuple[str, ...] = _ALWAYS
) -> str:
    """The wanted fields of the referral ``var``; sender, receiver and service nested."""
    return map_projection(
        var,
        projection,
        scalars=REFERRAL_SCALARS,
        always=always,
        needs=_NEEDS,
        relations={"sender": _party("SENT"), "receiver": _party("TO"), "service": _service},
        depth=depth,
    )


@dataclass(frozen=True)
class Keyset:
    """The last referral of the previous page: its ``sentAt`` and id."""

    sent_at: datetime
    id: str


@dataclass(frozen=True)
class ReferralPage:
    rows: list[dict[str, Any]]
    has_next: bool
    total: int | None
    counts: dict[str, int] | None


def _start(flt: ReferralFilter) -> str:
    """The first MATCH: from the organization's relationships when there is one."""
    if flt.organization_id is None:
        # Read in the order of the sentAt index, newest first, until the page is full.
        return "MATCH (r:Referral) WHERE r.sentAt IS NOT NULL WITH r "
    pattern = {"INCOMING": "<-[:TO]-", "OUTGOING": "-[:SENT]->"}.get(flt.box or "", "-[:SENT|TO]-")
    return f"MATCH (:Organization {{id: $org}}){pattern}(r:Referral) "


_FILTERS = (
    "($networks IS NULL OR any(n IN r.networkIds WHERE n IN $networks)) "
    "AND ($need IS NULL OR $need IN r.needCodes) "
    "AND ($sentAfter IS NULL OR r.sentAt >= $sentAfter) "
    "AND ($sentBefore IS NULL OR r.sentAt < $sentBefore) "
    f"AND ($overdue IS NULL OR {when.overdue('r')} = $overdue) "
)
_STATUS = "AND ($status IS NULL OR r.status = $status) "


async def referral_page(
    db: Database,
    flt: ReferralFilter,
    projection: Projection,
    *,
    now: datetime,
    after: Keyset | None,
    limit: int,
    with_total: bool,
    with_counts: bool,
) -> ReferralPage:
    """Referrals newest first after ``after``, at most ``limit``; total and counts if asked.

    The total honours the status filter; the counts per status set it aside
    (they are the tabs of the inbox).
    """
    status = check_enum(flt.status, ReferralStatus, "status").value if flt.status else None
    match = _start(flt) + "WHERE " + _FILTERS
    row_map = referral_map("r", projection, always=(*_ALWAYS, "cursorAt"))
    query = (
        "CALL () { " + match + _STATUS + "AND ($afterAt IS NULL OR r.sentAt < $afterAt "
        "     OR (r.sentAt = $afterAt AND r.id > $afterId)) "
        "RETURN r ORDER BY r.sentAt DESC, r.id LIMIT $take } "
        f"WITH collect({row_map}) AS page "
    )
    if with_total:
        query += "CALL () { " + match + _STATUS + "RETURN count(r) AS total } "
    else:
        query += "WITH page, null AS total "
    if with_counts:
        query += (
            "CALL () { " + match + "WITH r.status AS st, count(*) AS n "
            "RETURN collect([st, n]) AS counts } "
        )
    else:
        query += "WITH page, total, null AS counts "
    query += "RETURN page, total, counts"
    row = await db.record(
        query,
        org=flt.organization_id,
        networks=flt.network_ids,
        need=flt.need_code.upper() if flt.need_code else None,
        sentAfter=flt.sent_after,
        sentBefore=flt.sent_before,
        overdue=flt.overdue,
        now=now,
        **when.deadline_parameters(),
        status=status,
        afterAt=None if after is None else after.sent_at,
        afterId=None if after is None else after.id,
        take=limit + 1,
    )
    assert row is not None
    rows = [dict(r) for r in row["page"]]
    counts = None
    if row["counts"] is not None:
        found = {str(st): int(n) for st, n in row["counts"]}
        counts = {s.value: found.get(s.value, 0) for s in ReferralStatus}
    return ReferralPage(
        rows=rows[:limit],
        has_next=len(rows) > limit,
        total=None if row["total"] is None else int(row["total"]),
        counts=counts,
    )


async def referral_read(
    db: Database,
    referral_id: str,
    projection: Projection,
    *,
    organizations: list[str] | None,
    networks: list[str] | None,
) -> dict[str, Any] | None:
    """One referral with the wanted fields, if the caller's reach covers it (else None).

    ``organizations``: those whose referrals (as a party or watcher) the
    caller may read; ``networks``: those whose referrals' metadata it may
    read. Both None: no restriction (the caller's grant holds everywhere).
    """
    row = await db.record(
        "MATCH (r:Referral {id: $id}) "
        "WHERE ($orgs IS NULL AND $networks IS NULL) "
        "   OR ($orgs IS NOT NULL AND any(w IN coalesce(r.watcherIds, "
        "       COLLECT { MATCH (r)-[:SENT|TO]-(p:Organization) RETURN p.id }) WHERE w IN $orgs)) "
        "   OR ($networks IS NOT NULL AND any(n IN coalesce(r.networkIds, []) "
        "       WHERE n IN $networks)) "
        f"RETURN {referral_map('r', projection, always=(*_ALWAYS, *_REACH))} AS r",
        id=check_id(referral_id, "id"),
        orgs=organizations,
        networks=networks,
    )
    return None if row is None else dict(row["r"])
