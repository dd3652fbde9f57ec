"""Outreach presence in the research export: one row per period, organization and place kind.

De-identified like the rest of the export: organizations by opaque id, places
only by kind (a place's name or id would locate a worker's rounds), no date
finer than the period, and counts of families (``contacts``,
``first_contacts``) and of referrals from 1 to 4 suppressed
(:func:`analytics.suppression.suppress_small_cells`), with the rates computed
from them. Visits and hours count the workers' presence, not families, and
are published as they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from analytics.presence import OriginatedReferral, Visit, regularity
from analytics.suppression import SMALL_CELL_THRESHOLD, suppress_small_cells

__all__ = ["PRESENCE_COLUMNS", "presence_hours_by_node", "presence_rows"]

#: The columns of the ``presence`` table, for the export's README.
PRESENCE_COLUMNS = {
    "period": "The period.",
    "org_id": "Organization id (as in nodes).",
    "place_kind": "Kind of the places visited (PARK, GROCERY, MALL, STREET, FOOD_BANK, "
    "THRIFT_STORE, COMMUNITY_EVENT, SCHOOL, CHILDCARE, SOCIAL_HOUSING, OTHER).",
    "places": "Distinct places of that kind visited.",
    "visits": "Visits logged (workers' presence, not families: never suppressed).",
    "hours": "Hours of presence.",
    "weeks_with_presence": "ISO weeks of the period with at least one visit to that kind.",
    "share_of_weeks": "weeks_with_presence / ISO weeks overlapping the period.",
    "contacts": "Families met (suppressed from 1 to 4).",
    "first_contacts": "Families met for the first time (suppressed from 1 to 4).",
    "referrals": "Referrals the organization originated at places of that kind (suppressed "
    "from 1 to 4).",
    "referrals_per_hour": "referrals / hours; empty when referrals is suppressed.",
}
_DERIVED = {"referrals_per_hour": ("referrals",)}
_EXEMPT = ("places", "visits", "weeks_with_presence")


def presence_rows(
    periods: Sequence[tuple[str, date, date]],
    visits: Iterable[Visit],
    referrals: Iterable[OriginatedReferral],
    *,
    threshold: int = SMALL_CELL_THRESHOLD,
) -> list[dict[str, Any]]:
    """The ``presence`` table: one row per (period, organization, place kind) with presence.

    ``periods`` are ``(label, first day, last day)``.

    Examples
    --------
    >>> d = date(2025, 1, 7)
    >>> rows = presence_rows([("2025-01-01/2025-01-31", date(2025, 1, 1), date(2025, 1, 31))],
    ...     [Visit("o", "p", "PARK", d, 2.0, contacts=6, first_contacts=2)],
    ...     [OriginatedReferral("o", "x", "p", d, "SENT")])
    >>> r = rows[0]
    >>> r["hours"], r["contacts"], r["first_contacts"], r["referrals"], r["referrals_per_hour"]
    (2.0, 6, None, None, None)
    """
    all_visits, all_referrals = list(visits), list(referrals)
    kind_of = {v.place: v.kind for v in all_visits}
    rows: list[dict[str, Any]] = []
    for label, start, end in periods:
        here = [v for v in all_visits if start <= v.day <= end]
        sent = [r for r in all_referrals if start <= r.day <= end]
        for org, kind in sorted({(v.organization, v.kind) for v in here}):
            mine = [v for v in here if v.organization == org and v.kind == kind]
            hours = math.fsum(v.hours for v in mine)
            count = sum(1 for r in sent if r.sender == org and kind_of.get(r.place) == kind)
            reg = regularity([v.day for v in mine], start, end)
            rows.append(
                {
                    "period": label,
                    "org_id": org,
                    "place_kind": kind,
                    "places": len({v.place for v in mine}),
                    "visits": len(mine),
                    "hours": hours,
                    "weeks_with_presence": reg.weeks_with_presence,
                    "share_of_weeks": reg.share_of_weeks,
                    "contacts": sum(v.contacts for v in mine),
                    "first_contacts": sum(v.first_contacts for v in mine),
                    "referrals": count,
                    "referrals_per_hour": count / hours if hours > 0 else None,
                }
            )
    return suppress_small_cells(rows, threshold=threshold, derived=_DERIVED, exempt=_EXEMPT)


def presence_hours_by_node(
    periods: Sequence[tuple[str, date, date]], visits: Iterable[Visit]
) -> dict[tuple[str, str], float]:
    """Hours of presence per (period label, organization id): the node attribute.

    >>> presence_hours_by_node([("p", date(2025, 1, 1), date(2025, 1, 31))],
    ...     [Visit("o", "x", "PARK", date(2025, 1, 7), 2.0),
    ...      Visit("o", "y", "MALL", date(2025, 1, 9), 1.5)])
    {('p', 'o'): 3.5}
    """
    hours: dict[tuple[str, str], float] = {}
    all_visits = list(visits)
    for label, start, end in periods:
        for v in all_visits:
            if start <= v.day <= end:
                key = (label, v.organization)
                hours[key] = hours.get(key, 0.0) + v.hours
    return hours
