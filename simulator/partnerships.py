"""Declared partnerships (PARTNERS_WITH) between organizations.

Partnerships are the second layer of the network: organizations that declared
an agreement, share staff or sit at the same table refer to each other more
(``SimulationParams.partnership_preference``). Most are local; none crosses
between networks except through a bridge organization.
"""

from __future__ import annotations

import dataclasses
import random

from simulator._clock import DAY, Clock
from simulator.directory import Directory
from simulator.params import SimulationParams

__all__ = ["PartnerIndex", "Partnership", "background_partnerships"]

_KINDS = (
    ("AGREEMENT", 0.35),
    ("JOINT_ACTIVITY", 0.30),
    ("TABLE", 0.15),
    ("SHARED_STAFF", 0.10),
    ("CO_LOCATION", 0.10),
)


@dataclasses.dataclass(slots=True)
class Partnership:
    """A declared partnership, active from ``since`` until ``until`` (seconds, UTC midnight)."""

    source: int
    target: int
    kind: str
    since: int
    until: int | None

    def active_at(self, t: int) -> bool:
        """Whether the partnership holds at second ``t``."""
        return self.since <= t and (self.until is None or t < self.until)


def background_partnerships(
    params: SimulationParams, clock: Clock, rng: random.Random, directory: Directory
) -> list[Partnership]:
    """Partnerships declared before or during the period, mostly within a territory."""
    orgs = directory.organizations
    by_territory: dict[int, list[int]] = {}
    by_network: dict[int, list[int]] = {}
    for o in orgs:
        for t in o.coverage:
            by_territory.setdefault(t, []).append(o.index)
        for n in o.networks:
            by_network.setdefault(n, []).append(o.index)
    pairs: set[tuple[int, int]] = set()
    partnerships: list[Partnership] = []
    for _ in range(round(len(orgs) * params.partnerships_per_organization / 2)):
        source = orgs[rng.randrange(len(orgs))]
        pools = (
            [by_territory[t] for t in source.coverage]
            if rng.random() < 0.75
            else [by_network[n] for n in source.networks]
        )
        candidates = [
            i for i in dict.fromkeys(i for pool in pools for i in pool) if i != source.index
        ]
        if not candidates:
            continue
        target = orgs[rng.choice(candidates)]
        key = (min(source.index, target.index), max(source.index, target.index))
        if key in pairs:
            continue
        pairs.add(key)
        earliest = _midnight(max(source.created_at, target.created_at)) + DAY
        if rng.random() < 0.7:
            since = clock.start - rng.randint(0, 3 * 365) * DAY
        else:
            since = clock.start + rng.randint(0, (clock.end - clock.start) // DAY - 1) * DAY
        since = max(since, earliest)
        until = None
        if rng.random() < 0.1:
            ends = max(since, clock.start) + rng.randint(180, 540) * DAY
            until = ends if ends < clock.end else None
        kind = _choose_kind(rng)
        partnerships.append(Partnership(source.index, target.index, kind, since, until))
    return partnerships


class PartnerIndex:
    """Who partners with whom, for choosing receivers quickly."""

    def __init__(self, partnerships: list[Partnership], organizations: int) -> None:
        self._by_org: list[list[Partnership]] = [[] for _ in range(organizations)]
        for p in partnerships:
            self._by_org[p.source].append(p)
            self._by_org[p.target].append(p)

    def partners(self, org: int, t: int) -> list[int]:
        """Organizations in an active declared partnership with ``org`` at ``t``."""
        return [
            p.target if p.source == org else p.source for p in self._by_org[org] if p.active_at(t)
        ]


def _midnight(t: int) -> int:
    return t - t % DAY


def _choose_kind(rng: random.Random) -> str:
    u = rng.random()
    for kind, weight in _KINDS:
        u -= weight
        if u < 0:
            return kind
    return _KINDS[-1][0]
