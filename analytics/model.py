"""Plain input rows for the analytics: what the database layer hands over.

The database reduces raw referral events to these aggregates with Cypher
(DESIGN.md §6: aggregate in Cypher, analyse in NetworkX). Every analytics
function takes these rows, or graphs built from them, and returns plain data;
nothing here knows about Neo4j.

Counting rule for every funnel count: a referral is counted at a stage if it
*ever* reached that stage, whatever its status now. Terminal outcomes
(completed, no-show, declined, redirected, expired, cancelled) are mutually
exclusive for one referral, so their sum never exceeds ``sent``; the rows check
this on construction and raise :class:`ValueError` naming the offending row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "CoverageRow",
    "FunnelRow",
    "OrgNode",
    "Partnership",
    "PeriodAggregate",
    "PlaceRow",
    "ReferralTie",
]


@dataclass(frozen=True, slots=True)
class OrgNode:
    """An active member organization of the network during the period.

    ``kind`` is an ``OrganizationKind`` code; ``territory_id`` is the
    organization's own territory, or None when it has none.
    """

    id: str
    name: str
    kind: str
    territory_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReferralTie:
    """Referrals sent during the period from organization ``source`` to ``target``.

    Each count is the number of those referrals that ever reached the stage.
    ``declined`` maps a ``DeclineReason`` code to its count; ``overdue`` counts
    referrals still awaiting their acknowledgement past their ``acknowledgeBy``
    time (``domain.deadlines.is_overdue``; expired ones are not overdue), and
    ``acknowledged_late`` those acknowledged after it, a separate measure;
    ``median_hours_to_ack`` is the median delay, in hours, between sending and
    acknowledgement over the acknowledged referrals of this pair (None when none
    was acknowledged).
    """

    source: str
    target: str
    sent: int
    acknowledged: int = 0
    accepted: int = 0
    contacted: int = 0
    completed: int = 0
    no_show: int = 0
    declined: Mapping[str, int] = field(default_factory=dict)
    redirected: int = 0
    expired: int = 0
    cancelled: int = 0
    overdue: int = 0
    acknowledged_late: int = 0
    median_hours_to_ack: float | None = None

    def __post_init__(self) -> None:
        # The fast test first: a large region builds ~1M ties per monthly evolution.
        counts = (
            self.acknowledged, self.accepted, self.contacted, self.completed, self.no_show,
            self.redirected, self.expired, self.cancelled, self.overdue, self.acknowledged_late,
            *self.declined.values(),
        )  # fmt: skip
        median = self.median_hours_to_ack
        if (
            0 <= min(counts) <= max(counts) <= self.sent
            and self.closed <= self.sent
            and (median is None or median >= 0)
        ):
            return
        self._refuse()

    def _refuse(self) -> None:
        """Raise ValueError naming the first count that breaks the tie's invariants."""
        counts = {
            "sent": self.sent,
            "acknowledged": self.acknowledged,
            "accepted": self.accepted,
            "contacted": self.contacted,
            "completed": self.completed,
            "no_show": self.no_show,
            "redirected": self.redirected,
            "expired": self.expired,
            "cancelled": self.cancelled,
            "overdue": self.overdue,
            "acknowledged_late": self.acknowledged_late,
            **{f"declined[{reason}]": n for reason, n in self.declined.items()},
        }
        for name, value in counts.items():
            if value < 0 or value > self.sent:
                raise ValueError(
                    f"tie {self.source}->{self.target}: {name}={value} must be "
                    f"between 0 and sent={self.sent}"
                )
        if self.closed > self.sent:
            raise ValueError(
                f"tie {self.source}->{self.target}: {self.closed} terminal outcomes "
                f"for {self.sent} referrals; a referral has at most one terminal outcome"
            )
        if self.median_hours_to_ack is not None and self.median_hours_to_ack < 0:
            raise ValueError(f"tie {self.source}->{self.target}: negative median_hours_to_ack")

    @property
    def declined_total(self) -> int:
        """Referrals declined, whatever the reason."""
        return sum(self.declined.values())

    @property
    def closed(self) -> int:
        """Referrals with a terminal outcome: the sender's loop is closed."""
        return (
            self.completed
            + self.no_show
            + self.declined_total
            + self.redirected
            + self.expired
            + self.cancelled
        )


@dataclass(frozen=True, slots=True)
class Partnership:
    """A declared partnership (``PARTNERS_WITH``) active during the period.

    ``kind`` is a ``PartnershipKind`` code. Partnerships are treated as
    undirected: the second, declared layer of the network.
    """

    source: str
    target: str
    kind: str


@dataclass(frozen=True, slots=True)
class PeriodAggregate:
    """One period of one network: organizations, referral ties, partnerships.

    ``nodes`` are the organizations that were active members at any time in
    ``[start, end]`` (isolates included); every tie and partnership must join
    two of them, ties are unique per ordered pair and never a loop.
    """

    start: date
    end: date
    nodes: tuple[OrgNode, ...]
    ties: tuple[ReferralTie, ...] = ()
    partnerships: tuple[Partnership, ...] = ()

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")
        ids = [node.id for node in self.nodes]
        twice = sorted(i for i, n in Counter(ids).items() if n > 1)
        if twice:
            raise ValueError(f"period {self.start}: organization ids {twice} appear twice")
        known = set(ids)
        links: tuple[ReferralTie | Partnership, ...] = (*self.ties, *self.partnerships)
        for link in links:
            missing = {link.source, link.target} - known
            if missing:
                raise ValueError(
                    f"period {self.start}: {link.source}->{link.target} involves "
                    f"{sorted(missing)}, not an active member organization of the period"
                )
            if link.source == link.target:
                raise ValueError(f"period {self.start}: {link.source} is linked to itself")
        pairs = Counter((tie.source, tie.target) for tie in self.ties)
        repeated = sorted(pair for pair, n in pairs.items() if n > 1)
        if repeated:
            raise ValueError(
                f"period {self.start}: two ties for {repeated}; "
                "aggregate each ordered (source, target) pair into one row"
            )


@dataclass(frozen=True, slots=True)
class FunnelRow:
    """Funnel counts for one group of referrals sent during the period.

    ``key`` names the group; its meaning is fixed by the function producing or
    consuming the rows: ``()`` overall, ``(receiver_id,)``,
    ``(sender_id, receiver_id)``, ``(territory_id,)``, ``(need_code,)`` or
    ``(need_code, territory_id)``. A referral with several needs counts once
    under each of its needs, so rows by need do not add up to the total.
    Counts follow the module's counting rule.
    """

    key: tuple[str | None, ...]
    sent: int
    acknowledged: int = 0
    accepted: int = 0
    contacted: int = 0
    completed: int = 0
    declined: Mapping[str, int] = field(default_factory=dict)

    @property
    def declined_total(self) -> int:
        """Referrals declined, whatever the reason."""
        return sum(self.declined.values())

    @property
    def acknowledgement_rate(self) -> float | None:
        """``acknowledged / sent``; None when nothing was sent."""
        return _ratio(self.acknowledged, self.sent)

    @property
    def acceptance_rate(self) -> float | None:
        """``accepted / sent``; None when nothing was sent."""
        return _ratio(self.accepted, self.sent)

    @property
    def completion_rate(self) -> float | None:
        """``completed / accepted``: how often an accepted referral ends well.

        None when nothing was accepted.
        """
        return _ratio(self.completed, self.accepted)


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """Who provides a need in a territory.

    ``provider_ids`` are the active member organizations offering a service
    that ``ADDRESSES`` the need and is ``AVAILABLE_IN`` the territory.
    """

    territory_id: str
    need_code: str
    provider_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class PlaceRow:
    """Referrals sent during the period that ``ORIGINATED_AT`` an outreach place.

    ``place_kind`` is a ``PlaceKind`` code; ``completed`` counts those
    referrals that reached COMPLETED.
    """

    place_id: str
    place_kind: str
    referrals: int
    completed: int = 0


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
