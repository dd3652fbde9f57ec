"""Where referrals break down: silent receivers, declines, service gaps, open loops.

Also the outreach view: referrals and completions per outreach place. Every
function takes the period's rows and returns small frozen rows sorted worst
first; thresholds are keyword arguments with the defaults a coordinator
would start from.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from analytics.funnel import funnel_by_receiver
from analytics.model import FunnelRow, PeriodAggregate, PlaceRow

__all__ = [
    "GAP_REASONS",
    "OpenLoops",
    "PlaceOutcome",
    "RepeatedDeclines",
    "ServiceGap",
    "SilentReceiver",
    "black_holes",
    "open_loops",
    "outreach_by_place_kind",
    "outreach_places",
    "repeated_declines",
    "service_gaps",
]

#: Decline reasons that signal a service gap rather than a misdirected referral.
GAP_REASONS = ("NO_CAPACITY", "SERVICE_NOT_ADAPTED")


@dataclass(frozen=True, slots=True)
class SilentReceiver:
    """A receiver that rarely acknowledges referrals (a "black hole")."""

    org_id: str
    sent: int
    acknowledged: int
    acknowledgement_rate: float


@dataclass(frozen=True, slots=True)
class RepeatedDeclines:
    """A sender–receiver pair whose referrals were declined repeatedly."""

    source: str
    target: str
    sent: int
    declined: int
    reasons: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class ServiceGap:
    """Declines for lack of capacity or of adapted service, for a need in a territory."""

    need_code: str | None
    territory_id: str | None
    sent: int
    gap_declines: int
    reasons: Mapping[str, int]
    gap_share: float


@dataclass(frozen=True, slots=True)
class OpenLoops:
    """Referrals of a pair with no terminal outcome yet: the sender's loop is open."""

    source: str
    target: str
    sent: int
    open: int
    overdue: int


@dataclass(frozen=True, slots=True)
class PlaceOutcome:
    """Referrals originating at an outreach place (or kind of place) and how they ended."""

    place_id: str | None
    place_kind: str
    referrals: int
    completed: int
    completion_rate: float | None


def black_holes(
    aggregate: PeriodAggregate, *, min_referrals: int = 5, threshold: float = 0.2
) -> tuple[SilentReceiver, ...]:
    """Receivers that were sent enough referrals but acknowledged few of them.

    A receiver is listed when ``sent >= min_referrals`` and
    ``acknowledged / sent < threshold``.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network.
    min_referrals : int, default 5
        Referrals received below which a low rate is not judged.
    threshold : float, default 0.2
        Acknowledgement rate under which a receiver is listed.

    Returns
    -------
    tuple of SilentReceiver
        Lowest rate first, then most referrals.

    References
    ----------
    .. [1] DESIGN.md §6, "receivers that rarely acknowledge".

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode, ReferralTie
    >>> nodes = (OrgNode("a", "A", "COMMUNITY"), OrgNode("b", "B", "HOUSING"))
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes,
    ...                          (ReferralTie("a", "b", 10, acknowledged=1),))
    >>> black_holes(period)
    (SilentReceiver(org_id='b', sent=10, acknowledged=1, acknowledgement_rate=0.1),)
    """
    found = [
        SilentReceiver(str(row.key[0]), row.sent, row.acknowledged, row.acknowledged / row.sent)
        for row in funnel_by_receiver(aggregate)
        if row.sent >= max(min_referrals, 1) and row.acknowledged / row.sent < threshold
    ]
    return tuple(sorted(found, key=lambda r: (r.acknowledgement_rate, -r.sent, r.org_id)))


def repeated_declines(
    aggregate: PeriodAggregate, *, min_declines: int = 3
) -> tuple[RepeatedDeclines, ...]:
    """Sender–receiver pairs with at least ``min_declines`` declined referrals.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network.
    min_declines : int, default 3
        Declines, all reasons together, from which a pair is listed.

    Returns
    -------
    tuple of RepeatedDeclines
        Most declines first.

    References
    ----------
    .. [1] DESIGN.md §6, "pairs with repeated declines".

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode, ReferralTie
    >>> nodes = (OrgNode("a", "A", "COMMUNITY"), OrgNode("b", "B", "HOUSING"))
    >>> tie = ReferralTie("a", "b", 5, declined={"NOT_ELIGIBLE": 3})
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes, (tie,))
    >>> repeated_declines(period)[0].declined
    3
    """
    found = [
        RepeatedDeclines(tie.source, tie.target, tie.sent, tie.declined_total, dict(tie.declined))
        for tie in aggregate.ties
        if tie.declined_total >= max(min_declines, 1)
    ]
    return tuple(sorted(found, key=lambda r: (-r.declined, r.source, r.target)))


def service_gaps(
    rows: Iterable[FunnelRow], *, reasons: Collection[str] = GAP_REASONS
) -> tuple[ServiceGap, ...]:
    """Needs declined for lack of capacity or adapted service, per territory.

    Parameters
    ----------
    rows : iterable of FunnelRow
        Funnel rows keyed ``(need_code, territory_id)``, from the database.
    reasons : collection of str, default ``GAP_REASONS``
        Decline reasons that count as a gap.

    Returns
    -------
    tuple of ServiceGap
        Cells with at least one such decline, most first; ``gap_share`` is
        gap declines / referrals sent for the need in the territory.

    References
    ----------
    .. [1] DESIGN.md §1 and §6: a referral to a service with no capacity, or
       not adapted to the family, is a breakdown.

    Examples
    --------
    >>> row = FunnelRow(("HOUSING", "t1"), 8, declined={"NO_CAPACITY": 2, "OTHER": 1})
    >>> service_gaps([row])[0].gap_share
    0.25
    """
    found = []
    for row in rows:
        if len(row.key) != 2:
            raise ValueError(
                f"service_gaps needs rows keyed (need_code, territory_id), got {row.key!r}"
            )
        counted = {r: n for r, n in sorted(row.declined.items()) if r in reasons and n > 0}
        total = sum(counted.values())
        if total and row.sent:
            need, territory = row.key
            found.append(ServiceGap(need, territory, row.sent, total, counted, total / row.sent))
    return tuple(
        sorted(found, key=lambda g: (-g.gap_declines, g.need_code or "", g.territory_id or ""))
    )


def open_loops(aggregate: PeriodAggregate) -> tuple[OpenLoops, ...]:
    """Pairs with referrals still without a terminal outcome.

    ``open = sent - (completed + no_show + declined + redirected + expired +
    cancelled)``: terminal outcomes exclude one another, so this is the
    number of referrals whose sender still has no answer.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network, counted as of the report date.

    Returns
    -------
    tuple of OpenLoops
        Pairs with at least one open referral, most first.

    References
    ----------
    .. [1] DESIGN.md §4: "The loop is closed when the sender has a terminal
       outcome."

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode, ReferralTie
    >>> nodes = (OrgNode("a", "A", "COMMUNITY"), OrgNode("b", "B", "HOUSING"))
    >>> tie = ReferralTie("a", "b", 5, completed=2, expired=1)
    >>> open_loops(PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes, (tie,)))
    (OpenLoops(source='a', target='b', sent=5, open=2, overdue=0),)
    """
    found = [
        OpenLoops(tie.source, tie.target, tie.sent, tie.sent - tie.closed, tie.overdue)
        for tie in aggregate.ties
        if tie.sent > tie.closed
    ]
    return tuple(sorted(found, key=lambda r: (-r.open, r.source, r.target)))


def outreach_places(rows: Iterable[PlaceRow]) -> tuple[PlaceOutcome, ...]:
    """Referrals and completion rate per outreach place.

    The completion rate here is ``completed / referrals`` (referrals that
    originated at the place), unlike a receiver's completed / accepted.

    Parameters
    ----------
    rows : iterable of PlaceRow
        One row per place, from the database.

    Returns
    -------
    tuple of PlaceOutcome
        Most referrals first; rate None for a place with no referral.

    References
    ----------
    .. [1] DESIGN.md §1, *travail de proximité* (outreach places).

    Examples
    --------
    >>> outreach_places([PlaceRow("p1", "PARK", 4, 1)])[0].completion_rate
    0.25
    """
    found = [
        PlaceOutcome(
            r.place_id, r.place_kind, r.referrals, r.completed, _rate(r.completed, r.referrals)
        )
        for r in rows
    ]
    return tuple(sorted(found, key=_busiest_first))


def outreach_by_place_kind(rows: Iterable[PlaceRow]) -> tuple[PlaceOutcome, ...]:
    """Referrals and completion rate per kind of outreach place (``place_id`` None).

    Parameters
    ----------
    rows : iterable of PlaceRow
        One row per place, from the database.

    Returns
    -------
    tuple of PlaceOutcome
        One row per place kind, most referrals first.

    References
    ----------
    .. [1] DESIGN.md §1, *travail de proximité* (outreach places).

    Examples
    --------
    >>> rows = [PlaceRow("p1", "PARK", 4, 1), PlaceRow("p2", "PARK", 4, 3)]
    >>> outreach_by_place_kind(rows)[0].completion_rate
    0.5
    """
    totals: dict[str, tuple[int, int]] = {}
    for r in rows:
        referrals, completed = totals.get(r.place_kind, (0, 0))
        totals[r.place_kind] = (referrals + r.referrals, completed + r.completed)
    found = [PlaceOutcome(None, kind, n, c, _rate(c, n)) for kind, (n, c) in totals.items()]
    return tuple(sorted(found, key=_busiest_first))


def _busiest_first(place: PlaceOutcome) -> tuple[int, str, str]:
    return (-place.referrals, place.place_kind, place.place_id or "")


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
