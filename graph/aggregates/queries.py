"""Referral events reduced to the rows of :mod:`analytics.model`, in Cypher.

DESIGN.md §6: the database reduces referral events to one weighted
organization-to-organization graph per period; NetworkX never sees an event.
Each function here runs a few grouped queries (:mod:`graph.aggregates.cypher`)
in one read transaction and returns plain rows, one entry per period.

Definitions shared by every function:

- **Window and periods.** A :class:`Window` runs from ``start`` to ``end``,
  both days included, cut into calendar months, quarters or years (UTC)
  clipped to the window, or kept whole when ``period`` is None. A referral
  falls in the period of its ``sentAt``.
- **Network.** An organization is in the network during a period when one of
  its ``MEMBER_OF`` memberships of one of the networks overlaps the period
  (``until`` is the last day included). A referral counts when its sender and
  receiver were both members on the day it was sent. Several networks are
  read as their union (a region), which is how a bridge between two networks
  shows.
- **Counting.** A referral counts at a stage if it *ever* reached it (it has
  an event of that type), whatever its status now; a decline counts under the
  reason of its DECLINED event (OTHER when none).
- **Overdue.** The one definition (:func:`domain.deadlines.is_overdue`):
  still awaiting its acknowledgement (SENT) at ``now`` and past
  ``acknowledgeBy``, as in the inbox. Expired, cancelled or acknowledged
  referrals, late or not, are not overdue.
- **Median hours to acknowledge.** ``percentileCont(hours, 0.5)`` over the
  acknowledged referrals: the textbook median (mean of the two middle values),
  as :func:`statistics.median`, not ``percentileDisc`` (the lower one).
- **Family territory** (funnel by need and territory): the territory of the
  outreach place the referral originated at, else the sender's own territory.
  It locates where families were met, so a territory where a need has no
  provider shows even though its referrals go elsewhere.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from analytics.event_log import RawReferralEvent
from analytics.model import (
    CoverageRow,
    FunnelRow,
    OrgNode,
    Partnership,
    PeriodAggregate,
    PlaceRow,
    ReferralTie,
)
from domain.errors import BadUserInput
from domain.vocabulary import DeclineReason
from graph.aggregates import cypher as q
from graph.db import Database, Tx
from graph.referral import conditions as when

__all__ = [
    "MAX_WINDOW_DAYS",
    "PARALLEL_READS",
    "Coverage",
    "FunnelCell",
    "OverrideRow",
    "Period",
    "PeriodSlice",
    "Window",
    "availability_overrides",
    "collaboration",
    "collaboration_with_previous",
    "coverage",
    "funnel_by_family_territory",
    "funnel_by_need",
    "funnel_by_need_and_territory",
    "need_funnel",
    "organization_networks",
    "place_outcomes",
    "referral_events",
]

T = TypeVar("T")
#: Longest window analysed at once: ten years (120 monthly graphs).
MAX_WINDOW_DAYS = 3653
#: Queries of referral ties run at once by :func:`collaboration` (one per core).
PARALLEL_READS = 2
_REASONS = [reason.value for reason in DeclineReason]
_MONTHS = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}
_STAGES = ("sent", "acknowledged", "accepted", "contacted", "completed")


class Period(StrEnum):
    """Length of the periods a window is cut into."""

    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"


@dataclass(frozen=True, slots=True)
class Window:
    """Days ``start`` to ``end`` (both included), cut into periods.

    Raises :class:`~domain.errors.BadUserInput` when ``end`` is before
    ``start`` or the window is longer than :data:`MAX_WINDOW_DAYS`.
    """

    start: date
    end: date
    period: Period | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise BadUserInput(
                f"to ({self.end.isoformat()}) is before from ({self.start.isoformat()}).",
                field="to",
            )
        if (self.end - self.start).days > MAX_WINDOW_DAYS:
            raise BadUserInput(
                "The window is longer than ten years; analyse at most ten years at once.",
                field="from",
            )

    def periods(self) -> tuple[tuple[date, date], ...]:
        """``(first day, last day)`` of each period, in order."""
        if self.period is None:
            return ((self.start, self.end),)
        bounds = []
        unit = _unit_start(self.start, self.period)
        while unit <= self.end:
            following = _add_months(unit, _MONTHS[self.period.value])
            bounds.append((max(unit, self.start), min(following - timedelta(days=1), self.end)))
            unit = following
        return tuple(bounds)

    def previous(self) -> Window:
        """The whole period just before ``start`` (the window itself when not cut)."""
        if self.period is None:
            length = self.end - self.start
            return Window(self.start - length - timedelta(days=1), self.start - timedelta(days=1))
        unit = _unit_start(self.start, self.period)
        before = _add_months(unit, -_MONTHS[self.period.value])
        return Window(before, unit - timedelta(days=1), self.period)

    def key(self, day: date) -> date:
        """The Cypher key of the period holding ``day``: its calendar unit's first day."""
        return self.start if self.period is None else _unit_start(day, self.period)


@dataclass(frozen=True, slots=True)
class PeriodSlice:
    """One period's aggregate and each receiver's median hours to acknowledge.

    ``ack_hours`` has an entry for every receiver with at least one
    acknowledgement in the period (see the module's median).
    """

    aggregate: PeriodAggregate
    ack_hours: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FunnelCell:
    """Funnel counts of the referrals with one family territory and one set of needs."""

    territory_id: str | None
    need_codes: tuple[str, ...]
    sent: int
    acknowledged: int = 0
    accepted: int = 0
    contacted: int = 0
    completed: int = 0
    declined: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Providers per (territory, need) on day ``on`` in the networks' territories.

    ``uncovered`` lists the cells of the networks' territories with no
    provider, for needs that some member provides in another territory: a
    need nobody in the network serves is out of scope, not a gap.
    """

    on: date
    rows: tuple[CoverageRow, ...]
    territories: tuple[str, ...]

    @property
    def uncovered(self) -> tuple[tuple[str, str], ...]:
        covered = {(row.territory_id, row.need_code) for row in self.rows if row.provider_ids}
        needs = sorted({row.need_code for row in self.rows if row.provider_ids})
        return tuple(
            (territory, need)
            for territory in self.territories
            for need in needs
            if (territory, need) not in covered
        )


@dataclass(frozen=True, slots=True)
class OverrideRow:
    """Referrals sent with ``overrideAvailability`` to one receiver's service.

    The sender knew the service was FULL, CLOSED or on a waiting list and sent
    anyway (DESIGN.md §1: a referral to a service with no capacity is a
    breakdown); how many were then declined NO_CAPACITY or completed.
    """

    organization_id: str
    service_id: str | None
    referrals: int
    declined_no_capacity: int
    completed: int


async def collaboration(
    db: Database, network_ids: Sequence[str], window: Window, *, now: datetime
) -> tuple[PeriodSlice, ...]:
    """One :class:`PeriodSlice` per period of the window: members, ties, partnerships.

    Grouped queries: active members and partnerships overlapping the period
    in one read transaction, and beside it the referral ties with the
    receivers' median hours to acknowledge
    (:data:`~graph.aggregates.cypher.REFERRAL_TIES`), read in
    :data:`PARALLEL_READS` runs of consecutive periods at once: Neo4j runs a
    query on one core, and a large region's ties are most of the time.
    """
    params = await _referral_params(db, network_ids, window, now=now)
    tie_rows: dict[date, list[ReferralTie]] = {}
    hours: dict[date, dict[str, float]] = {}
    ids: dict[str, str] = {}  # one string per organization, not one per tie (memory)

    async def read_ties(run: Sequence[tuple[date, date]]) -> None:
        """Read a run's ties and turn them into ReferralTie rows as soon as they arrive."""
        bounds = {"from": _midnight(run[0][0]), "until": _midnight(run[-1][1] + timedelta(days=1))}
        (rows,) = await _read_all(db, [(q.REFERRAL_TIES, {**params, **bounds})])
        for row in rows:
            key = _native(row["period"])
            for target, received_hours, from_senders in row["receivers"]:
                target = ids.setdefault(target, target)
                tie_rows.setdefault(key, []).extend(
                    _tie(ids.setdefault(tie[0], tie[0]), target, tie[1:]) for tie in from_senders
                )
                if received_hours is not None:
                    hours.setdefault(key, {})[target] = float(received_hours)

    (members, partners), *_ = await asyncio.gather(
        _read_all(db, [(q.ACTIVE_MEMBERS, params), (q.ACTIVE_PARTNERSHIPS, params)]),
        *(read_ties(run) for run in _consecutive(window.periods(), PARALLEL_READS)),
    )
    nodes = _grouped(window, members, _org_node)
    partner_rows = _grouped(window, partners, _partnership)
    slices = []
    for start, end in window.periods():
        key = window.key(start)
        aggregate = PeriodAggregate(
            start=start,
            end=end,
            nodes=tuple(sorted(nodes.get(key, ()), key=lambda n: n.id)),
            ties=tuple(sorted(tie_rows.get(key, ()), key=lambda t: (t.source, t.target))),
            partnerships=tuple(
                sorted(partner_rows.get(key, ()), key=lambda p: (p.source, p.target, p.kind))
            ),
        )
        slices.append(PeriodSlice(aggregate, hours.get(key, {})))
    return tuple(slices)


async def collaboration_with_previous(
    db: Database, network_ids: Sequence[str], window: Window, *, now: datetime
) -> tuple[PeriodSlice, tuple[PeriodSlice, ...]]:
    """:func:`collaboration` of the window, and of the period just before it.

    The first period's tie dynamics and community stability compare it with
    that period (:meth:`Window.previous`). The two are read at once: for a
    month of the large preset's region, 1.4 s instead of 1.9–2.3 s one after
    the other (the map reads its window a month at a time there).
    """
    (before,), slices = await asyncio.gather(
        collaboration(db, network_ids, window.previous(), now=now),
        collaboration(db, network_ids, window, now=now),
    )
    return before, slices


async def need_funnel(
    db: Database, network_ids: Sequence[str], window: Window
) -> tuple[tuple[FunnelCell, ...], ...]:
    """Funnel cells per period, by family territory and set of needs.

    Combine them with :func:`funnel_by_need_and_territory`,
    :func:`funnel_by_need` and :func:`funnel_by_family_territory`.
    """
    (rows,) = await _read_all(
        db, [(q.FUNNEL_BY_NEEDS_AND_TERRITORY, await _referral_params(db, network_ids, window))]
    )
    cells = _grouped(window, rows, _funnel_cell)
    return tuple(tuple(cells.get(window.key(start), ())) for start, _ in window.periods())


async def referral_events(
    db: Database, network_ids: Sequence[str], window: Window, types: Sequence[str]
) -> list[RawReferralEvent]:
    """The events of ``types`` of the window's referrals, each with its referral's period label.

    The referrals are those the period counts hold (:data:`~graph.aggregates.cypher.REFERRAL_TIES`);
    ``period`` is ``first day/last day`` of the sending period, as
    :func:`analytics.export.period_label`.
    """
    params = await _referral_params(db, network_ids, window)
    (rows,) = await _read_all(db, [(q.REFERRAL_EVENTS, {**params, "eventTypes": list(types)})])
    labels = {window.key(a): f"{a.isoformat()}/{b.isoformat()}" for a, b in window.periods()}
    return [
        RawReferralEvent(
            referral=row["referral"],
            period=labels[_native(row["period"])],
            sender=row["sender"],
            receiver=row["receiver"],
            type=row["type"],
            at=_native(row["at"]),
            reason=row["reason"],
        )
        for row in rows
    ]


async def place_outcomes(
    db: Database, network_ids: Sequence[str], window: Window
) -> tuple[tuple[PlaceRow, ...], ...]:
    """Referrals that originated at each outreach place, and completed, per period."""
    (rows,) = await _read_all(
        db, [(q.PLACE_OUTCOMES, await _referral_params(db, network_ids, window))]
    )
    places = _grouped(
        window,
        rows,
        lambda r: PlaceRow(r["placeId"], r["placeKind"], int(r["referrals"]), int(r["completed"])),
    )
    return tuple(tuple(places.get(window.key(start), ())) for start, _ in window.periods())


async def availability_overrides(
    db: Database, network_ids: Sequence[str], window: Window
) -> tuple[tuple[OverrideRow, ...], ...]:
    """Referrals sent despite the service's availability, per period, receiver and service."""
    (rows,) = await _read_all(
        db, [(q.AVAILABILITY_OVERRIDES, await _referral_params(db, network_ids, window))]
    )
    overrides = _grouped(
        window,
        rows,
        lambda r: OverrideRow(
            r["receiver"],
            r["service"],
            int(r["referrals"]),
            int(r["declinedNoCapacity"]),
            int(r["completed"]),
        ),
    )
    return tuple(
        tuple(sorted(overrides.get(window.key(start), ()), key=lambda o: -o.referrals))
        for start, _ in window.periods()
    )


async def coverage(db: Database, network_ids: Sequence[str], on: date) -> Coverage:
    """Providers of each need in each territory on day ``on`` (see ``PROVIDERS``)."""
    params = {
        "networks": list(network_ids),
        "on": on,
        "onEnd": _midnight(on + timedelta(days=1)),
    }
    providers, territories = await _read_all(
        db, [(q.PROVIDERS, params), (q.NETWORK_TERRITORIES, params)]
    )
    rows = tuple(
        sorted(
            (
                CoverageRow(r["territoryId"], r["needCode"], frozenset(r["providers"]))
                for r in providers
            ),
            key=lambda c: (c.territory_id, c.need_code),
        )
    )
    ids = sorted({t for r in territories for t in (r["coded"] or r["based"])})
    return Coverage(on, rows, tuple(ids))


async def organization_networks(db: Database, organization_id: str, window: Window) -> list[str]:
    """Networks the organization was a member of at some time in the window."""
    rows = await db.rows(
        q.ORGANIZATION_NETWORKS,
        organization=organization_id,
        firstDay=window.start,
        last=window.end,
    )
    return [str(r["id"]) for r in rows]


def funnel_by_need_and_territory(cells: Iterable[FunnelCell]) -> tuple[FunnelRow, ...]:
    """Funnel rows keyed ``(need_code, territory_id)``.

    The input of :func:`analytics.breakdowns.service_gaps`. A referral with
    several needs counts once under each (see :class:`~analytics.model.FunnelRow`).
    Rows are sorted by need, then territory, None last.
    """
    return _summed(
        ((need, cell.territory_id), cell) for cell in cells for need in set(cell.need_codes)
    )


def funnel_by_need(cells: Iterable[FunnelCell]) -> tuple[FunnelRow, ...]:
    """Funnel rows keyed ``(need_code,)``; a referral counts under each of its needs."""
    return _summed(((need,), cell) for cell in cells for need in set(cell.need_codes))


def funnel_by_family_territory(cells: Iterable[FunnelCell]) -> tuple[FunnelRow, ...]:
    """Funnel rows keyed ``(territory_id,)``: each referral counts once."""
    return _summed(((cell.territory_id,), cell) for cell in cells)


# ---------------------------------------------------------------------------------------


def _unit_start(day: date, period: Period) -> date:
    if period is Period.YEAR:
        return date(day.year, 1, 1)
    if period is Period.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _params(
    network_ids: Sequence[str], window: Window, *, now: datetime | None = None
) -> dict[str, Any]:
    return {
        "networks": list(network_ids),
        "from": _midnight(window.start),
        "until": _midnight(window.end + timedelta(days=1)),
        "unit": None if window.period is None else window.period.value.lower(),
        "first": window.start,
        "periods": [
            {"key": window.key(start), "start": start, "end": end}
            for start, end in window.periods()
        ],
        "now": now or datetime.now(UTC),
        "reasons": _REASONS,
        **when.deadline_parameters(),
    }


def _consecutive(
    periods: Sequence[tuple[date, date]], runs: int
) -> list[Sequence[tuple[date, date]]]:
    """``periods`` cut into at most ``runs`` runs of consecutive periods, in order.

    >>> _consecutive([(1, 1), (2, 2), (3, 3)], 2)
    [[(1, 1), (2, 2)], [(3, 3)]]
    """
    size = -(-len(periods) // runs)
    return [periods[i : i + size] for i in range(0, len(periods), size)]


async def _referral_params(
    db: Database, network_ids: Sequence[str], window: Window, *, now: datetime | None = None
) -> dict[str, Any]:
    """:func:`_params` with ``$spans`` and ``$orgs``, for the queries of referrals."""
    params = _params(network_ids, window, now=now)
    (rows,) = await _read_all(db, [(q.MEMBER_SPANS, params)])
    params["spans"] = {row["id"]: row["spans"] for row in rows}
    params["orgs"] = list(params["spans"])
    return params


async def _read_all(
    db: Database, queries: Sequence[tuple[str, Mapping[str, Any]]]
) -> list[list[dict[str, Any]]]:
    """Run the queries in one read transaction: the rows describe one snapshot."""

    async def work(tx: Tx) -> list[list[dict[str, Any]]]:
        return [await tx.records(query, **params) for query, params in queries]

    return await db.read(work)


def _native(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


def _grouped(
    window: Window, rows: Iterable[dict[str, Any]], build: Callable[[dict[str, Any]], T]
) -> dict[date, list[T]]:
    groups: dict[date, list[T]] = {}
    for row in rows:
        groups.setdefault(_native(row["period"]), []).append(build(row))
    return groups


def _declined(counts: Sequence[int]) -> dict[str, int]:
    return {reason: int(n) for reason, n in zip(_REASONS, counts, strict=True) if n}


def _org_node(row: dict[str, Any]) -> OrgNode:
    return OrgNode(row["id"], row["name"], row["kind"], row["territoryId"])


def _tie(source: str, target: str, counts: Sequence[Any]) -> ReferralTie:
    """A tie from the list REFERRAL_TIES returns (see its comment for the order)."""
    sent, ack, accepted, contacted, completed, no_show, redirected, expired, cancelled = counts[:9]
    overdue, late, median, declined = counts[9:]
    return ReferralTie(
        source=source,
        target=target,
        sent=int(sent),
        acknowledged=int(ack),
        accepted=int(accepted),
        contacted=int(contacted),
        completed=int(completed),
        no_show=int(no_show),
        declined=_declined(declined),
        redirected=int(redirected),
        expired=int(expired),
        cancelled=int(cancelled),
        overdue=int(overdue),
        acknowledged_late=int(late),
        median_hours_to_ack=None if median is None else float(median),
    )


def _partnership(row: dict[str, Any]) -> Partnership:
    return Partnership(row["source"], row["target"], row["kind"])


def _funnel_cell(row: dict[str, Any]) -> FunnelCell:
    return FunnelCell(
        territory_id=row["territory"],
        need_codes=tuple(sorted(set(row["needs"] or []))),
        sent=int(row["sent"]),
        acknowledged=int(row["acknowledged"]),
        accepted=int(row["accepted"]),
        contacted=int(row["contacted"]),
        completed=int(row["completed"]),
        declined=_declined(row["declined"]),
    )


def _summed(keyed: Iterable[tuple[tuple[str | None, ...], FunnelCell]]) -> tuple[FunnelRow, ...]:
    totals: dict[tuple[str | None, ...], Counter[str]] = {}
    declined: dict[tuple[str | None, ...], Counter[str]] = {}
    for key, cell in keyed:
        totals.setdefault(key, Counter()).update({stage: getattr(cell, stage) for stage in _STAGES})
        declined.setdefault(key, Counter()).update(cell.declined)
    ordered = sorted(totals, key=lambda k: [(part is None, part or "") for part in k])
    return tuple(
        FunnelRow(
            key,
            sent=totals[key]["sent"],
            acknowledged=totals[key]["acknowledged"],
            accepted=totals[key]["accepted"],
            contacted=totals[key]["contacted"],
            completed=totals[key]["completed"],
            declined=dict(sorted(declined[key].items())),
        )
        for key in ordered
    )
