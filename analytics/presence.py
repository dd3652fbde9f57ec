"""Outreach presence measures: is the worker there regularly, where, and does it lead to referrals.

The seed text asks outreach workers to "visit a diversity of places and ensure
in each a regular and repeated presence", so that families come to know and
trust them, and only then to refer. The measures here read a presence log
(:class:`Visit`, one per ``PRESENT_AT`` entry) and the referrals that
originated at places (:class:`OriginatedReferral`), both plain data.

Weeks are ISO weeks, named by their Monday. Definitions used throughout:

- **regular presence** at a place from week *w*: presence in at least
  :data:`REGULAR_MIN_WEEKS` (3) of the :data:`REGULAR_WINDOW_WEEKS` (4)
  weeks ending at *w*. Three weeks in four tolerates one missed week
  (a holiday, an illness) while excluding a fortnightly rhythm that never
  settles; a monthly visit is never regular.
- **continuous presence**: successive weeks with presence separated by at
  most one empty week (so a fortnightly slot is continuous, a monthly one
  is not). A run's *k*-th week is the *k*-th week since it started.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

__all__ = [
    "REGULAR_MIN_WEEKS",
    "REGULAR_WINDOW_WEEKS",
    "YIELD_BUCKETS",
    "Diversity",
    "OriginatedReferral",
    "Regularity",
    "Visit",
    "diversity",
    "first_regular_week",
    "needs_heard_not_referred",
    "needs_without_open_service",
    "own_service_share",
    "pielou_evenness",
    "referrals_from_rows",
    "regularity",
    "single_kind",
    "trust_lag_weeks",
    "visits_from_rows",
    "week_of",
    "yield_by_continuous_weeks",
]

REGULAR_WINDOW_WEEKS = 4
REGULAR_MIN_WEEKS = 3
#: Buckets of weeks of continuous presence for :func:`yield_by_continuous_weeks`.
YIELD_BUCKETS: tuple[tuple[int, int | None], ...] = ((1, 4), (5, 8), (9, 12), (13, None))
_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Visit:
    """One presence entry: an organization's visit to a place on a day (no family data)."""

    organization: str
    place: str
    kind: str
    day: date
    hours: float
    contacts: int = 0
    first_contacts: int = 0
    needs: tuple[str, ...] = ()
    warm_handoffs: int = 0
    territory: str | None = None


@dataclass(frozen=True)
class OriginatedReferral:
    """A referral that originated at a place: who sent it, when, and how it ended.

    ``own_service`` is true when the receiver is one of the sender's own
    services in all but name (see :func:`own_service_share`).
    """

    sender: str
    receiver: str
    place: str
    day: date
    status: str
    decline_reason: str | None = None
    needs: tuple[str, ...] = ()
    own_service: bool = False


def visits_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Visit]:
    """Visits from plain rows keyed as ``graph.aggregates.presence`` returns them."""
    return [
        Visit(r["organization"], r["place"], r["kind"], r["day"], float(r["hours"]),
              int(r["contacts"]), int(r["firstContacts"]), tuple(r["needs"]),
              int(r["warmHandoffs"]), r["territory"])
        for r in rows
    ]  # fmt: skip


def referrals_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[OriginatedReferral]:
    """Originated referrals from plain rows keyed as ``graph.aggregates.presence`` returns them."""
    return [
        OriginatedReferral(r["sender"], r["receiver"], r["place"], r["day"], r["status"],
                           r["declineReason"], tuple(r["needs"]), bool(r["ownService"]))
        for r in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class Regularity:
    """Regularity of presence over a period (see :func:`regularity`)."""

    weeks: int
    weeks_with_presence: int
    share_of_weeks: float | None
    longest_gap_weeks: int
    visits_per_month: float | None


@dataclass(frozen=True)
class Diversity:
    """Places and place kinds covered, with Pielou's evenness of hours across them."""

    places: int
    kinds: int
    place_evenness: float | None
    kind_evenness: float | None


def week_of(day: date) -> date:
    """The Monday of ``day``'s ISO week.

    >>> week_of(date(2026, 3, 5))
    datetime.date(2026, 3, 2)
    """
    return day - timedelta(days=day.weekday())


def _weeks(start: date, end: date) -> list[date]:
    first, last = week_of(start), week_of(end)
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def regularity(days: Iterable[date], start: date, end: date) -> Regularity:
    """Share of weeks with presence, longest gap and visits per month over ``[start, end]``.

    Parameters
    ----------
    days : iterable of date
        The days of the visits (one per visit; visits outside the period are ignored).
    start, end : date
        The period, both days included.

    Returns
    -------
    Regularity
        ``weeks``: ISO weeks overlapping the period; ``share_of_weeks``: weeks
        with at least one visit / ``weeks``; ``longest_gap_weeks``: the longest
        run of consecutive weeks without a visit inside the period (leading and
        trailing runs included: a worker who stopped coming has a gap);
        ``visits_per_month``: visits / (days of the period / 30.4375).

    References
    ----------
    The seed text's "présence régulière et répétée"; weeks as the unit follow
    the weekly slots outreach workers keep.

    Examples
    --------
    Visits on three Mondays of a five-week period, the 2nd and 3rd week empty:

    >>> r = regularity([date(2026, 3, 2), date(2026, 3, 23), date(2026, 3, 30)],
    ...                date(2026, 3, 2), date(2026, 4, 5))
    >>> r.weeks, r.weeks_with_presence, r.share_of_weeks, r.longest_gap_weeks
    (5, 3, 0.6, 2)
    >>> round(r.visits_per_month, 3)
    2.609
    """
    inside = [d for d in days if start <= d <= end]
    weeks = _weeks(start, end)
    present = {week_of(d) for d in inside}
    gap = longest = 0
    for week in weeks:
        gap = 0 if week in present else gap + 1
        longest = max(longest, gap)
    span_days = (end - start).days + 1
    return Regularity(
        weeks=len(weeks),
        weeks_with_presence=len(present),
        share_of_weeks=len(present) / len(weeks) if weeks else None,
        longest_gap_weeks=longest,
        visits_per_month=len(inside) / (span_days / _DAYS_PER_MONTH) if span_days > 0 else None,
    )


def pielou_evenness(weights: Iterable[float]) -> float | None:
    """Pielou's evenness J = H / ln S of positive weights (S categories).

    H is Shannon's entropy -Σ pᵢ ln pᵢ of the shares pᵢ. J is 1 when every
    category has the same weight and tends to 0 as one dominates; it is
    undefined (None) for fewer than two categories.

    References
    ----------
    E. C. Pielou, "The measurement of diversity in different types of
    biological collections", *Journal of Theoretical Biology* 13 (1966)
    131–144, doi:10.1016/0022-5193(66)90013-0.

    Examples
    --------
    >>> round(pielou_evenness([2, 2, 2]), 12)
    1.0
    >>> round(pielou_evenness([3, 1]), 4)  # -(.75 ln .75 + .25 ln .25) / ln 2
    0.8113
    >>> pielou_evenness([5]) is None
    True
    """
    values = [w for w in weights if w > 0]
    if len(values) < 2:
        return None
    total = math.fsum(values)
    entropy = -math.fsum(w / total * math.log(w / total) for w in values)
    return min(1.0, entropy / math.log(len(values)))


def diversity(visits: Iterable[Visit]) -> Diversity:
    """Places and kinds covered, and the evenness of hours across places and across kinds.

    Examples
    --------
    Three hours in a park, one at a food bank, one at a second park:

    >>> d = diversity([Visit("o", "p1", "PARK", date(2026, 3, 2), 3.0),
    ...                Visit("o", "p2", "FOOD_BANK", date(2026, 3, 3), 1.0),
    ...                Visit("o", "p3", "PARK", date(2026, 3, 4), 1.0)])
    >>> d.places, d.kinds, round(d.kind_evenness, 4)  # kinds 4 h / 1 h
    (3, 2, 0.7219)
    """
    by_place: dict[str, float] = {}
    by_kind: dict[str, float] = {}
    for visit in visits:
        by_place[visit.place] = by_place.get(visit.place, 0.0) + visit.hours
        by_kind[visit.kind] = by_kind.get(visit.kind, 0.0) + visit.hours
    return Diversity(
        places=len(by_place),
        kinds=len(by_kind),
        place_evenness=pielou_evenness(by_place.values()),
        kind_evenness=pielou_evenness(by_kind.values()),
    )


def first_regular_week(days: Iterable[date]) -> date | None:
    """The first week from which presence is *regular* (3 of the 4 weeks ending there).

    Examples
    --------
    Weeks 1, 3, 5, 6 of March–April 2026: weeks 3–6 hold 3 visits, so week 6.

    >>> first_regular_week([date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 30),
    ...                     date(2026, 4, 6)])
    datetime.date(2026, 4, 6)
    >>> first_regular_week([date(2026, 3, 2), date(2026, 4, 6)]) is None
    True
    """
    present = sorted({week_of(d) for d in days})
    seen = set(present)
    for week in present:
        window = {week - timedelta(weeks=i) for i in range(REGULAR_WINDOW_WEEKS)}
        if len(window & seen) >= REGULAR_MIN_WEEKS:
            return week
    return None


def trust_lag_weeks(days: Iterable[date], referral_days: Iterable[date]) -> int | None:
    """Weeks from the first regular presence to the first referral originated on or after it.

    None when presence never became regular or no referral followed.

    Examples
    --------
    Weekly presence from 2 March (regular from 16 March), referrals on
    10 March (before: not counted) and 8 April:

    >>> visits = [date(2026, 3, 2) + timedelta(weeks=i) for i in range(8)]
    >>> trust_lag_weeks(visits, [date(2026, 3, 10), date(2026, 4, 8)])
    3
    """
    regular = first_regular_week(days)
    if regular is None:
        return None
    after = [week_of(d) for d in referral_days if week_of(d) >= regular]
    return (min(after) - regular).days // 7 if after else None


def _continuous_week_index(days: Iterable[date]) -> dict[date, int]:
    index: dict[date, int] = {}
    previous: date | None = None
    for week in sorted({week_of(d) for d in days}):
        if previous is not None and (week - previous).days <= 14:
            index[week] = index[previous] + (week - previous).days // 7
        else:
            index[week] = 1
        previous = week
    return index


def yield_by_continuous_weeks(
    visits: Sequence[Visit], referrals: Sequence[OriginatedReferral]
) -> list[dict[str, object]]:
    """Referrals per hour of presence by weeks of continuous presence at the (organization, place).

    Each visit's week gets its rank *k* in its run of continuous presence (see
    the module docstring); the hours of week *k* and the referrals the same
    organization originated at the same place that week are summed per bucket
    of :data:`YIELD_BUCKETS`. A referral in a week without presence counts in
    no bucket.

    Returns
    -------
    list of dict
        One per bucket: ``fromWeek``, ``toWeek`` (None: open-ended), ``hours``,
        ``referrals``, ``referralsPerHour`` (None without hours).

    Examples
    --------
    Two hours weekly for 6 weeks; one referral in week 2, two in week 6:

    >>> vs = [Visit("o", "p", "PARK", date(2026, 3, 2) + timedelta(weeks=i), 2.0)
    ...       for i in range(6)]
    >>> rs = [OriginatedReferral("o", "x", "p", date(2026, 3, 10), "SENT"),
    ...       OriginatedReferral("o", "x", "p", date(2026, 4, 7), "SENT"),
    ...       OriginatedReferral("o", "x", "p", date(2026, 4, 8), "SENT")]
    >>> [(b["hours"], b["referrals"], b["referralsPerHour"])
    ...  for b in yield_by_continuous_weeks(vs, rs)][:2]
    [(8.0, 1, 0.125), (4.0, 2, 0.5)]
    """
    pairs: dict[tuple[str, str], list[Visit]] = {}
    for visit in visits:
        pairs.setdefault((visit.organization, visit.place), []).append(visit)
    hours: dict[int, float] = {}
    counts: Counter[int] = Counter()
    for (org, place), pair_visits in pairs.items():
        rank = _continuous_week_index(v.day for v in pair_visits)
        for visit in pair_visits:
            k = rank[week_of(visit.day)]
            hours[k] = hours.get(k, 0.0) + visit.hours
        for referral in referrals:
            if referral.sender == org and referral.place == place:
                week = week_of(referral.day)
                if week in rank:
                    counts[rank[week]] += 1
    table: list[dict[str, object]] = []
    for low, high in YIELD_BUCKETS:
        ks = [k for k in set(hours) | set(counts) if k >= low and (high is None or k <= high)]
        h = math.fsum(hours.get(k, 0.0) for k in ks)
        n = sum(counts[k] for k in ks)
        table.append(
            {
                "fromWeek": low,
                "toWeek": high,
                "hours": h,
                "referrals": n,
                "referralsPerHour": n / h if h > 0 else None,
            }
        )
    return table


def needs_without_open_service(
    visits: Iterable[Visit], open_needs: Mapping[str, frozenset[str]]
) -> Counter[str]:
    """Needs heard at places whose territory has no open service for them.

    ``open_needs`` maps a territory id to the need codes some OPEN or
    WAITLIST service available there addresses (a waitlist still takes the
    referral). A visit without a territory is left out: one cannot say.
    Reaching families one cannot then help is the seed's first pitfall.

    Examples
    --------
    >>> v = Visit("o", "p", "PARK", date(2026, 3, 2), 2.0, needs=("HOUSING", "FOOD_SECURITY"),
    ...           territory="t")
    >>> needs_without_open_service([v, v], {"t": frozenset({"FOOD_SECURITY"})})
    Counter({'HOUSING': 2})
    """
    unmet: Counter[str] = Counter()
    for visit in visits:
        if visit.territory is None:
            continue
        available = open_needs.get(visit.territory, frozenset())
        unmet.update(n for n in visit.needs if n not in available)
    return unmet


def own_service_share(referrals: Iterable[OriginatedReferral]) -> float | None:
    """Pitfall: the share of outreach referrals that go to the sender's own services.

    The API refuses a referral from an organization to itself, so recruiting
    families for one's own activities shows as referrals to an organization
    that shares its staff (a ``SHARED_STAFF`` partnership): ``own_service`` on
    the referral. Above one half, outreach is feeding the organization's own
    programmes rather than connecting families to the network — the seed's
    warning against outreach as recruitment.

    Examples
    --------
    >>> d = date(2026, 3, 2)
    >>> own_service_share([OriginatedReferral("o", "a", "p", d, "SENT", own_service=True),
    ...                    OriginatedReferral("o", "b", "p", d, "SENT")])
    0.5
    >>> own_service_share([]) is None
    True
    """
    rows = list(referrals)
    return sum(r.own_service for r in rows) / len(rows) if rows else None


def needs_heard_not_referred(
    visits: Iterable[Visit], referrals: Iterable[OriginatedReferral]
) -> float | None:
    """Pitfall: the share of needs heard that no outreach referral of the period addressed.

    Each (visit, need code) heard counts once; it is *referred* when some
    referral the organization originated at a place in the period carries
    that need. Needs heard and left there mean the worker listened but did
    not connect the family: the seed's "reach without help".

    Examples
    --------
    >>> d = date(2026, 3, 2)
    >>> vs = [Visit("o", "p", "PARK", d, 1.0, needs=("HOUSING", "INCOME")),
    ...       Visit("o", "p", "PARK", d, 1.0, needs=("HOUSING",))]
    >>> needs_heard_not_referred(vs, [OriginatedReferral("o", "x", "p", d, "SENT",
    ...                                                  needs=("HOUSING",))])
    0.3333333333333333
    """
    heard = [n for v in visits for n in v.needs]
    if not heard:
        return None
    referred = {n for r in referrals for n in r.needs}
    return sum(n not in referred for n in heard) / len(heard)


def single_kind(visits: Iterable[Visit]) -> bool:
    """Pitfall: all presence at places of one kind (the seed asks for a *diversity* of places).

    Families who never go to that kind of place are never met. False without visits.

    >>> d = date(2026, 3, 2)
    >>> single_kind([Visit("o", "p1", "PARK", d, 1.0), Visit("o", "p2", "PARK", d, 1.0)])
    True
    """
    return len({v.kind for v in visits}) == 1
