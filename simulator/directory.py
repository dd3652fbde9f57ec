"""The region's directory: territories, networks, organizations and services.

The directory is built once, before any referral, and is small (thousands of
records even for the large preset). Organizations carry their behaviour as a
receiver and sender (acknowledgement probability, activity, attractiveness);
services carry their availability history. Planted events (``planted.py``)
then edit a few of them.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import random

from simulator._clock import DAY, HOUR, Clock
from simulator._ids import IdFactory
from simulator.availability import background_spells
from simulator.catalog import CLSC, KIND_TRAITS, PROFILES, REGIONAL, Profile, ServiceTemplate
from simulator.composition import allocate_organizations, assign_kinds
from simulator.names import Namer, slug
from simulator.params import SimulationParams

__all__ = ["Directory", "Network", "Organization", "Service", "Territory", "build_directory"]

_SECTORS = ("Nord", "Sud", "Est", "Ouest", "Centre", "Nord-Est", "Sud-Ouest", "Nord-Ouest")
_LANGUAGES = (
    (["fr"], 0.55),
    (["fr", "en"], 0.33),
    (["fr", "en", "es"], 0.04),
    (["fr", "ar"], 0.04),
    (["fr", "ht"], 0.04),
)


@dataclasses.dataclass(slots=True)
class Territory:
    """A neighbourhood (local service area); ``group`` is its network's index."""

    index: int
    id: str
    code: str
    name: str
    group: int
    weight: float


@dataclasses.dataclass(slots=True)
class Network:
    """A *table de concertation* over a group of territories."""

    index: int
    id: str
    name: str
    territories: list[int]


@dataclasses.dataclass(slots=True)
class Service:
    """A service and its availability history (``change_times`` ascending)."""

    index: int
    id: str
    org: int
    template: ServiceTemplate
    needs: tuple[str, ...]
    territories: list[int]
    created_at: int
    change_times: list[int] = dataclasses.field(default_factory=list)
    change_states: list[str] = dataclasses.field(default_factory=list)

    def availability_at(self, t: int) -> str:
        """Availability (OPEN, WAITLIST, FULL, CLOSED) at second ``t``."""
        i = bisect.bisect_right(self.change_times, t) - 1
        return self.change_states[i] if i >= 0 else "OPEN"

    def set_availability(self, t: int, state: str) -> None:
        """Record a change of availability at ``t``, keeping the history sorted."""
        i = bisect.bisect_right(self.change_times, t)
        self.change_times.insert(i, t)
        self.change_states.insert(i, state)


@dataclasses.dataclass(slots=True)
class Organization:
    """An organization, its place in the region and how it behaves.

    ``coverage`` lists the territories whose families it serves and refers;
    ``joins`` is the first month it takes part in referrals; ``closed_at`` the
    second it closes, if it does.
    """

    index: int
    id: str
    name: str
    kind: str
    profile: Profile
    languages: list[str]
    territory: int | None
    coverage: list[int]
    networks: list[int]
    created_at: int
    joins: int
    activity: float
    attractiveness: float
    ack_probability: float
    ack_speed: float
    closed_at: int | None = None
    services: list[int] = dataclasses.field(default_factory=list)
    places: list[int] = dataclasses.field(default_factory=list)
    outreach: bool = False

    def active_at(self, t: int) -> bool:
        """Whether the organization still operates at second ``t``."""
        return self.closed_at is None or t < self.closed_at


@dataclasses.dataclass(slots=True)
class Directory:
    """Everything about the region that is not a referral or a presence."""

    territories: list[Territory]
    networks: list[Network]
    organizations: list[Organization]
    services: list[Service]
    gap: tuple[int, str] | None
    bridges: list[int]

    def group_of(self, territory: int) -> int:
        """The network index of a territory."""
        return self.territories[territory].group


def build_directory(
    params: SimulationParams,
    clock: Clock,
    rng: random.Random,
    ids: IdFactory,
    namer: Namer,
    gap: tuple[int, str] | None,
) -> Directory:
    """Build territories, networks, organizations and services.

    ``gap`` is a (territory index, need code) left without any provider.
    """
    territories = _territories(params, rng, ids, namer)
    networks = [
        Network(g, ids.new(), _network_name(g), [t.index for t in territories if t.group == g])
        for g in range(params.networks)
    ]
    builder = _Builder(params, clock, rng, ids, namer, territories, gap)
    for network in networks:
        builder.regional(network)
    counts = allocate_organizations(params, [t.weight for t in territories])
    kinds = assign_kinds(params, rng, [n.territories for n in networks], counts, gap)
    for territory, count in zip(territories, counts, strict=True):
        builder.local(territory, count, kinds[territory.index])
    builder.cover_needs(networks)
    bridges = [builder.bridge(networks[g], networks[g + 1]) for g in range(len(networks) - 1)]
    background_spells(params, clock, rng, builder.services)
    return Directory(territories, networks, builder.orgs, builder.services, gap, bridges)


def _territories(
    params: SimulationParams, rng: random.Random, ids: IdFactory, namer: Namer
) -> list[Territory]:
    names = namer.territories(params.territories)
    last_group = params.networks - 1
    return [
        Territory(
            i,
            ids.new(),
            slug(name),
            name,
            min(i // params.territories_per_network, last_group),
            math.exp(rng.gauss(0.0, 0.3)),
        )
        for i, name in enumerate(names)
    ]


def _network_name(group: int) -> str:
    sector = _SECTORS[group] if group < len(_SECTORS) else str(group + 1)
    return f"Table de concertation petite enfance-famille du secteur {sector}"


class _Builder:
    """Creates organizations and services one by one, honouring the gap."""

    def __init__(
        self,
        params: SimulationParams,
        clock: Clock,
        rng: random.Random,
        ids: IdFactory,
        namer: Namer,
        territories: list[Territory],
        gap: tuple[int, str] | None,
    ) -> None:
        self.params, self.clock, self.rng, self.ids, self.namer = params, clock, rng, ids, namer
        self.territories = territories
        self.gap = gap
        self.orgs: list[Organization] = []
        self.services: list[Service] = []
        self.kinds = [k for k, _ in params.kind_shares]
        self.kind_cumulative = list(_cumulative([w for _, w in params.kind_shares]))

    def regional(self, network: Network) -> None:
        """One organization without a territory that serves the whole network."""
        org = self._organization("OTHER", REGIONAL, None, network.territories, [network.index])
        org.name = self._regional_name(network)
        self._offer(org, REGIONAL, network.territories)

    def _regional_name(self, network: Network) -> str:
        sector = network.name.split("du secteur ")[-1]
        return self.namer.organization(REGIONAL.names[:1], f"du secteur {sector}")

    def local(self, territory: Territory, count: int, kinds: list[str]) -> None:
        """``count`` organizations located in ``territory``: a CLSC, then ``kinds``."""
        for i in range(count):
            if i == 0:
                kind, profile = "HEALTH_SOCIAL_SERVICES", CLSC
            else:
                forced = kinds[i - 1] if i - 1 < len(kinds) else None
                kind, profile = self._draw_profile(territory.index, forced)
            org = self._organization(kind, profile, territory.index, [territory.index], None)
            self._offer(org, profile, self._reach(territory))

    def _draw_profile(self, territory: int, forced: str | None = None) -> tuple[str, Profile]:
        rng = self.rng
        while True:
            kind = forced or self.kinds[bisect.bisect_right(self.kind_cumulative, rng.random())]
            forced = None
            profiles = [p for p in PROFILES[kind] if self._templates(p, [territory])]
            if profiles:
                weights = list(_cumulative([p.weight for p in profiles]))
                return kind, profiles[bisect.bisect_right(weights, rng.random())]

    def _reach(self, territory: Territory) -> list[int]:
        """Territories a local service covers: its own, sometimes a neighbour."""
        reach = [territory.index]
        neighbours = [
            t.index
            for t in self.territories
            if t.group == territory.group and abs(t.index - territory.index) == 1
        ]
        if neighbours and self.rng.random() < 0.15:
            reach.append(self.rng.choice(neighbours))
        return reach

    def _templates(self, profile: Profile, reach: list[int]) -> list[ServiceTemplate]:
        if self.gap is None:
            return list(profile.services)
        gap_territory, gap_need = self.gap
        if reach != [gap_territory]:
            return list(profile.services)
        return [s for s in profile.services if gap_need not in s.needs]

    def _organization(
        self,
        kind: str,
        profile: Profile,
        territory: int | None,
        coverage: list[int],
        networks: list[int] | None,
    ) -> Organization:
        rng, params, clock = self.rng, self.params, self.clock
        traits = KIND_TRAITS[kind]
        late = profile is not CLSC and territory is not None
        if late and rng.random() < params.late_joiner_share:
            joins = rng.randint(1, max(1, params.months * 2 // 3))
            created = clock.month_starts[joins - 1] + rng.randint(0, 20 * DAY)
        else:
            joins = 0
            created = clock.start - rng.randint(HOUR, 90 * DAY)
        name_at = self.territories[territory].name if territory is not None else "du secteur"
        org = Organization(
            index=len(self.orgs),
            id=self.ids.new(),
            name=self.namer.organization(profile.names, name_at) if territory is not None else "",
            kind=kind,
            profile=profile,
            languages=list(_pick(rng, _LANGUAGES)),
            territory=territory,
            coverage=list(coverage),
            networks=networks if networks is not None else [self.territories[coverage[0]].group],
            created_at=created,
            joins=joins,
            activity=traits.activity * math.exp(rng.gauss(0.0, 0.6)),
            attractiveness=traits.attractiveness * math.exp(rng.gauss(0.0, 0.7)),
            ack_probability=min(0.995, max(0.75, rng.gauss(params.ack_probability, 0.03))),
            ack_speed=math.exp(rng.gauss(0.0, 0.35)),
            outreach=territory is not None and rng.random() < traits.outreach,
        )
        self.orgs.append(org)
        return org

    def _offer(self, org: Organization, profile: Profile, reach: list[int]) -> None:
        templates = self._templates(profile, reach)
        core = [t for t in profile.services[: profile.core] if t in templates]
        others = [t for t in templates if t not in core]
        extra = self.rng.randint(0 if core else 1, min(profile.extra, len(others)))
        for template in core + self.rng.sample(others, extra):
            self.add_service(org, template, reach)

    def add_service(self, org: Organization, template: ServiceTemplate, reach: list[int]) -> None:
        """Give ``org`` a service from ``template`` covering ``reach`` (minus the gap)."""
        territories = list(reach)
        if self.gap is not None and self.gap[1] in template.needs:
            territories = [t for t in territories if t != self.gap[0]]
        if not territories:
            return
        service = Service(
            index=len(self.services),
            id=self.ids.new(),
            org=org.index,
            template=template,
            needs=template.needs,
            territories=territories,
            created_at=org.created_at + self.rng.randint(60, HOUR),
        )
        service.set_availability(service.created_at, "OPEN")
        self.services.append(service)
        org.services.append(service.index)

    def cover_needs(self, networks: list[Network]) -> None:
        """Make sure every need has a provider somewhere in every network."""
        for network in networks:
            served = {n for s in self.services for n in s.needs if self._in(s, network)}
            for need, _ in self.params.need_prevalence:
                if need not in served:
                    self._add_provider(network, need)

    def _in(self, service: Service, network: Network) -> bool:
        return any(t in network.territories for t in service.territories)

    def _add_provider(self, network: Network, need: str) -> None:
        for org in self.orgs:
            if org.territory not in network.territories or org.profile is CLSC:
                continue
            for profile in PROFILES[org.kind]:
                for template in profile.services:
                    if need in template.needs and template in self._templates(
                        profile, org.coverage
                    ):
                        self.add_service(org, template, org.coverage)
                        return

    def bridge(self, left: Network, right: Network) -> int:
        """Turn a family organization at the edge of ``left`` into a bridge to ``right``."""
        edge, across = left.territories[-1], right.territories[0]
        candidates = [o for o in self.orgs if o.territory == edge and o.joins == 0]
        community = [o for o in candidates if o.kind == "COMMUNITY"]
        org = max(community or candidates, key=lambda o: (o.attractiveness, -o.index))
        org.coverage.append(across)
        org.networks.append(right.index)
        org.attractiveness *= 2.5
        org.activity *= 1.5
        for index in org.services:
            service = self.services[index]
            if self.gap is None or self.gap[0] != across or self.gap[1] not in service.needs:
                service.territories.append(across)
        return org.index


def _cumulative(weights: list[float]) -> list[float]:
    total = sum(weights)
    running, out = 0.0, []
    for w in weights:
        running += w / total
        out.append(running)
    out[-1] = 1.0 + 1e-9
    return out


def _pick(rng: random.Random, options: tuple[tuple[list[str], float], ...]) -> list[str]:
    u = rng.random()
    for value, weight in options:
        u -= weight
        if u < 0:
            return value
    return options[-1][0]
