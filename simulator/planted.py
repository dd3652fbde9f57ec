"""Planted events: known situations hidden in the data, with their ground truth.

Analytics are checked against these. Each one edits the directory before any
referral is simulated and adds an entry to ``manifest.json``:

1. CAPACITY_SHOCK — a busy service is FULL for a few months;
2. BLACK_HOLE — a receiver that rarely acknowledges;
3. NEW_PARTNERSHIP — a declared partnership between two organizations that
   never exchanged referrals, after which they do;
4. BROKER_CLOSURE — the organization bridging two networks closes;
5. SERVICE_GAP — a territory with no provider for one need.

Dates in the manifest are ``YYYY-MM-DD``; ``end`` is exclusive and null when
the situation lasts past the simulated period.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict

from simulator._clock import DAY, Clock
from simulator.directory import Directory, Organization, Service
from simulator.params import SimulationParams
from simulator.partnerships import Partnership
from simulator.records import PlantedEvent

__all__ = ["GAP_NEEDS", "Planted", "choose_gap", "expected_shares", "plant"]

GAP_NEEDS = ("HOUSING", "MENTAL_HEALTH", "EMPLOYMENT", "IMMIGRATION_FRANCISATION")
_HOLDERS = ("COMMUNITY", "HOUSING", "EMPLOYMENT", "FOOD_SECURITY")
_BLACK_HOLE_SHARE = 0.03


@dataclasses.dataclass
class Planted:
    """The planted events and what the referral simulation must honour.

    ``blocked`` is a pair of organizations that exchange no referral before
    ``blocked_until`` (the planted partnership).
    """

    events: list[PlantedEvent]
    blocked: tuple[int, int] | None = None
    blocked_until: int = 0


def choose_gap(params: SimulationParams, rng: random.Random) -> tuple[int, str] | None:
    """The (territory index, need) that will have no provider, if events are planted."""
    if not params.planted:
        return None
    return rng.randrange(params.territories), rng.choice(GAP_NEEDS)


def plant(
    params: SimulationParams,
    clock: Clock,
    rng: random.Random,
    directory: Directory,
    partnerships: list[Partnership],
) -> Planted:
    """Plant the events in ``directory`` and ``partnerships`` (edited in place)."""
    if not params.planted:
        return Planted([])
    shares = expected_shares(directory, dict(params.need_prevalence))
    taken = set(directory.bridges)
    planted = Planted([])
    planted.events.append(_capacity_shock(params, clock, rng, directory, shares, taken))
    planted.events.append(_black_hole(params, clock, directory, shares, taken))
    planted.events.append(_partnership(params, clock, directory, partnerships, taken, planted))
    planted.events.append(_broker_closure(params, clock, directory, partnerships))
    planted.events.append(_service_gap(clock, directory))
    return planted


def expected_shares(directory: Directory, prevalence: dict[str, float]) -> list[float]:
    """Each service's expected share of all referrals, from attractiveness and competition."""
    orgs, services = directory.organizations, directory.services
    pull: dict[tuple[int, str], float] = defaultdict(float)
    for s in services:
        for t in s.territories:
            for need in s.needs:
                pull[t, need] += orgs[s.org].attractiveness
    weight = [t.weight for t in directory.territories]
    total_weight = sum(weight)
    shares = []
    for s in services:
        attractiveness = orgs[s.org].attractiveness
        shares.append(
            sum(
                prevalence.get(need, 0.0)
                * weight[t]
                / total_weight
                * attractiveness
                / pull[t, need]
                for t in s.territories
                for need in s.needs
            )
        )
    return shares


def _eligible(org: Organization, taken: set[int]) -> bool:
    return org.joins == 0 and org.territory is not None and org.index not in taken


def _capacity_shock(
    params: SimulationParams,
    clock: Clock,
    rng: random.Random,
    directory: Directory,
    shares: list[float],
    taken: set[int],
) -> PlantedEvent:
    orgs = directory.organizations
    service = max(
        (s for s in directory.services if _eligible(orgs[s.org], taken)),
        key=lambda s: (shares[s.index], -s.index),
    )
    taken.add(service.org)
    first = params.month_of(params.capacity_shock_start)
    last = min(params.months, first + params.capacity_shock_months)
    full_at = clock.month_starts[first] + rng.randint(0, 3 * DAY)
    del service.change_times[1:], service.change_states[1:]  # no background spells
    service.set_availability(full_at, "FULL")
    open_at = None
    if last < params.months:
        open_at = clock.month_starts[last] + rng.randint(0, 3 * DAY)
        service.set_availability(open_at, "OPEN")
    org = orgs[service.org]
    return _event(
        "CAPACITY_SHOCK",
        clock.format_date(full_at),
        clock.format_date(open_at) if open_at is not None else None,
        f"service '{service.template.name}' of {org.name} is FULL (availability.jsonl FULL, "
        "then OPEN): while it is full, senders avoid it or send with overrideAvailability, "
        "and referrals to the organization are declined NO_CAPACITY several times more "
        "often than in other months",
        organization=org,
        service=service,
        territory=directory.territories[org.territory].id if org.territory is not None else None,
        details={"availability": "FULL"},
    )


def _black_hole(
    params: SimulationParams,
    clock: Clock,
    directory: Directory,
    shares: list[float],
    taken: set[int],
) -> PlantedEvent:
    orgs = directory.organizations
    pull = [0.0] * len(orgs)
    for s in directory.services:
        pull[s.org] += shares[s.index]
    # A receiver of moderate weight (about 3% of referrals), not the region's hub.
    gap_need = directory.gap[1] if directory.gap else None
    org = min(
        (
            o
            for o in orgs
            if _eligible(o, taken) and o.kind in _HOLDERS and gap_need not in _needs(directory, o)
        ),
        key=lambda o: (abs(pull[o.index] - _BLACK_HOLE_SHARE), o.index),
    )
    taken.add(org.index)
    org.ack_probability = params.black_hole_ack_probability
    return _event(
        "BLACK_HOLE",
        clock.start_date.isoformat(),
        None,
        f"{org.name} rarely acknowledges referrals (about "
        f"{params.black_hole_ack_probability:.0%}): most referrals it receives end EXPIRED, "
        "set by the system after acknowledgeBy; other receivers acknowledge most referrals",
        organization=org,
        territory=_territory_id(directory, org),
        details={"ackProbability": params.black_hole_ack_probability},
    )


def _partnership(
    params: SimulationParams,
    clock: Clock,
    directory: Directory,
    partnerships: list[Partnership],
    taken: set[int],
    planted: Planted,
) -> PlantedEvent:
    orgs = directory.organizations
    prevalence = dict(params.need_prevalence)
    source = max((o for o in orgs if _eligible(o, taken)), key=lambda o: (o.activity, -o.index))
    served = _needs(directory, source)

    def complement(o: Organization) -> tuple[float, float, int]:
        """How much of what the source hears the target answers."""
        unmet = sum(prevalence.get(n, 0.0) for n in _needs(directory, o) - served)
        return (round(unmet, 3), o.attractiveness, -o.index)

    target = max(
        (
            o
            for o in orgs
            if _eligible(o, taken | {source.index})
            and o.networks[0] == source.networks[0]
            and o.territory != source.territory
        ),
        key=complement,
    )
    taken.update((source.index, target.index))
    pair = {source.index, target.index}
    partnerships[:] = [p for p in partnerships if {p.source, p.target} != pair]
    since = clock.month_starts[params.month_of(params.partnership_start)]
    partnerships.append(Partnership(source.index, target.index, "AGREEMENT", since, None))
    planted.blocked = (source.index, target.index)
    planted.blocked_until = since
    return _event(
        "NEW_PARTNERSHIP",
        clock.format_date(since),
        None,
        f"{source.name} and {target.name} declare an AGREEMENT partnership "
        "(partnerships.jsonl, since): they exchange no referral before that date and "
        "refer to each other afterwards, mostly from the first to the second",
        organization=source,
        partner=target,
        territory=_territory_id(directory, source),
        details={"kind": "AGREEMENT"},
    )


def _broker_closure(
    params: SimulationParams,
    clock: Clock,
    directory: Directory,
    partnerships: list[Partnership],
) -> PlantedEvent:
    org = directory.organizations[directory.bridges[0]]
    closed_at = clock.month_starts[params.month_of(params.broker_closure)]
    org.closed_at = closed_at
    for index in org.services:
        service = directory.services[index]
        keep = sum(1 for t in service.change_times if t < closed_at)
        del service.change_times[keep:], service.change_states[keep:]
        service.set_availability(closed_at, "CLOSED")
    kept = []
    for p in partnerships:
        if org.index in (p.source, p.target):
            if p.since >= closed_at:
                continue
            p.until = closed_at if p.until is None else min(p.until, closed_at)
        kept.append(p)
    partnerships[:] = kept
    networks = [directory.networks[n] for n in org.networks]
    return _event(
        "BROKER_CLOSURE",
        clock.format_date(closed_at),
        None,
        f"{org.name}, the only organization serving both "
        f"{' and '.join(n.name for n in networks)}, has the highest betweenness before "
        "it closes: its memberships end, it becomes inactive and its services CLOSED; no "
        "referral touches it afterwards and no referral crosses between the two networks, "
        "so the referral network falls apart into one part per network",
        organization=org,
        territory=_territory_id(directory, org),
        details={
            "networkIds": [n.id for n in networks],
            "territoryIds": [directory.territories[t].id for t in org.coverage],
        },
    )


def _service_gap(clock: Clock, directory: Directory) -> PlantedEvent:
    assert directory.gap is not None
    territory_index, need = directory.gap
    territory = directory.territories[territory_index]
    return _event(
        "SERVICE_GAP",
        clock.start_date.isoformat(),
        None,
        f"no service addresses {need} in {territory.name}: referrals for {need} sent by "
        "its organizations go to other territories or to unsuited services and are mostly "
        "declined (OUT_OF_TERRITORY, SERVICE_NOT_ADAPTED, NO_CAPACITY) or redirected; "
        "outreach workers hear it at the territory's places, where no open service addresses it",
        territory=territory.id,
        need=need,
        details={},
    )


def _needs(directory: Directory, org: Organization) -> set[str]:
    return {n for s in org.services for n in directory.services[s].needs}


def _territory_id(directory: Directory, org: Organization) -> str | None:
    return directory.territories[org.territory].id if org.territory is not None else None


def _event(
    kind: str,
    start: str,
    end: str | None,
    signal: str,
    *,
    organization: Organization | None = None,
    partner: Organization | None = None,
    service: Service | None = None,
    territory: str | None = None,
    need: str | None = None,
    details: dict[str, object],
) -> PlantedEvent:
    return {
        "kind": kind,
        "organizationId": organization.id if organization else None,
        "partnerOrganizationId": partner.id if partner else None,
        "serviceId": service.id if service else None,
        "territoryId": territory,
        "needCode": need,
        "start": start,
        "end": end,
        "expectedSignal": signal,
        "details": dict(details),
    }
