"""Presence tables per place, place kind, organization and month, from :mod:`analytics.presence`.

Rates per hour are None when there are no hours. Outcomes of originated
referrals: ``completed`` counts COMPLETED referrals, ``declined`` counts
DECLINED ones by reason code.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from analytics.presence import (
    OriginatedReferral,
    Visit,
    diversity,
    needs_heard_not_referred,
    needs_without_open_service,
    own_service_share,
    regularity,
    single_kind,
    trust_lag_weeks,
)

__all__ = [
    "OWN_SERVICE_SHARE_ALERT",
    "by_month",
    "by_organization",
    "by_place",
    "by_place_kind",
]

#: Above this share of own-service outreach referrals the pitfall is flagged.
OWN_SERVICE_SHARE_ALERT = 0.5


def _per_hour(count: float, hours: float) -> float | None:
    return count / hours if hours > 0 else None


def _volume(visits: Sequence[Visit], referrals: Sequence[OriginatedReferral]) -> dict[str, Any]:
    hours = math.fsum(v.hours for v in visits)
    contacts = sum(v.contacts for v in visits)
    first = sum(v.first_contacts for v in visits)
    declined = Counter(
        r.decline_reason or "UNSPECIFIED" for r in referrals if r.status == "DECLINED"
    )
    return {
        "visits": len(visits),
        "hours": hours,
        "contacts": contacts,
        "firstContacts": first,
        "warmHandoffs": sum(v.warm_handoffs for v in visits),
        "contactsPerHour": _per_hour(contacts, hours),
        "firstContactsPerHour": _per_hour(first, hours),
        "referrals": len(referrals),
        "referralsPerHour": _per_hour(len(referrals), hours),
        "completed": sum(r.status == "COMPLETED" for r in referrals),
        "declined": dict(sorted(declined.items())),
    }


def by_place(
    visits: Sequence[Visit],
    referrals: Sequence[OriginatedReferral],
    open_needs: Mapping[str, frozenset[str]],
    start: date,
    end: date,
) -> list[dict[str, Any]]:
    """One row per place: volume, regularity, trust lag and needs heard without an open service.

    Regularity and the trust lag are those of the place's most regular
    visitor (the organization with most weeks of presence there): two
    organizations alternating weeks are not one regular presence.

    >>> d = date(2026, 3, 2)
    >>> row = by_place([Visit("o", "p", "PARK", d, 2.0, contacts=5, first_contacts=2)],
    ...                [OriginatedReferral("o", "x", "p", d, "COMPLETED")], {}, d, d)[0]
    >>> row["contactsPerHour"], row["referralsPerHour"], row["completed"], row["shareOfWeeks"]
    (2.5, 0.5, 1, 1.0)
    """
    rows = []
    for place in sorted({v.place for v in visits}):
        here = [v for v in visits if v.place == place]
        sent = [r for r in referrals if r.place == place]
        by_org: dict[str, list[date]] = {}
        for v in here:
            by_org.setdefault(v.organization, []).append(v.day)
        main = max(sorted(by_org), key=lambda o: len(set(by_org[o])))
        reg = regularity(by_org[main], start, end)
        rows.append(
            {
                "place": place,
                "kind": here[0].kind,
                "territory": here[0].territory,
                "organizations": len(by_org),
                **_volume(here, sent),
                "weeks": reg.weeks,
                "weeksWithPresence": reg.weeks_with_presence,
                "shareOfWeeks": reg.share_of_weeks,
                "longestGapWeeks": reg.longest_gap_weeks,
                "visitsPerMonth": reg.visits_per_month,
                "trustLagWeeks": trust_lag_weeks(
                    by_org[main], [r.day for r in sent if r.sender == main]
                ),
                "needsWithoutOpenService": dict(
                    sorted(needs_without_open_service(here, open_needs).items())
                ),
            }
        )
    return rows


def by_place_kind(
    visits: Sequence[Visit], referrals: Sequence[OriginatedReferral]
) -> list[dict[str, Any]]:
    """One row per place kind: volume and rates per hour.

    >>> d = date(2026, 3, 2)
    >>> [(r["kind"], r["hours"]) for r in by_place_kind(
    ...     [Visit("o", "p", "PARK", d, 2.0), Visit("o", "q", "MALL", d, 1.0)], [])]
    [('MALL', 1.0), ('PARK', 2.0)]
    """
    kind_of = {v.place: v.kind for v in visits}
    rows = []
    for kind in sorted(set(kind_of.values())):
        here = [v for v in visits if v.kind == kind]
        sent = [r for r in referrals if kind_of.get(r.place) == kind]
        rows.append({"kind": kind, "places": len({v.place for v in here}), **_volume(here, sent)})
    return rows


def by_organization(
    visits: Sequence[Visit], referrals: Sequence[OriginatedReferral]
) -> list[dict[str, Any]]:
    """One row per organization with presence: volume, diversity and the seed's pitfalls.

    >>> d = date(2026, 3, 2)
    >>> row = by_organization([Visit("o", "p", "PARK", d, 2.0, needs=("HOUSING",))],
    ...     [OriginatedReferral("o", "x", "p", d, "SENT", own_service=True)])[0]
    >>> row["singleKind"], row["ownServiceShare"], row["mostlyOwnServices"]
    (True, 1.0, True)
    """
    rows = []
    for org in sorted({v.organization for v in visits}):
        mine = [v for v in visits if v.organization == org]
        sent = [r for r in referrals if r.sender == org]
        div = diversity(mine)
        share = own_service_share(sent)
        rows.append(
            {
                "organization": org,
                **_volume(mine, sent),
                "places": div.places,
                "placeKinds": div.kinds,
                "placeEvenness": div.place_evenness,
                "kindEvenness": div.kind_evenness,
                "ownServiceShare": share,
                "mostlyOwnServices": share is not None and share > OWN_SERVICE_SHARE_ALERT,
                "needsHeardNotReferredShare": needs_heard_not_referred(mine, sent),
                "singleKind": single_kind(mine),
            }
        )
    return rows


def by_month(
    visits: Sequence[Visit], referrals: Sequence[OriginatedReferral]
) -> list[dict[str, Any]]:
    """One row per calendar month with presence or originated referrals.

    >>> rows = by_month([Visit("o", "p", "PARK", date(2026, 3, 2), 2.0),
    ...                  Visit("o", "p", "PARK", date(2026, 4, 6), 1.0)], [])
    >>> [(r["month"], r["hours"]) for r in rows]
    [('2026-03', 2.0), ('2026-04', 1.0)]
    """
    months = sorted({f"{v.day:%Y-%m}" for v in visits} | {f"{r.day:%Y-%m}" for r in referrals})
    return [
        {
            "month": month,
            **_volume(
                [v for v in visits if f"{v.day:%Y-%m}" == month],
                [r for r in referrals if f"{r.day:%Y-%m}" == month],
            ),
        }
        for month in months
    ]
