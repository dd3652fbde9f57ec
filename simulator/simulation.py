"""One simulation run: the region, its planted events and its record streams.

:class:`Simulation` wires the stages together from a single seed. Each stage
draws from its own ``random.Random`` derived from that seed, so the directory
does not change when, say, the referral model does. The small files
(directory, partnerships…) are built eagerly; presence and referrals are
generators, which lets ``write_simulation`` stream a million referrals while
:func:`simulate` collects the same records in memory.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

from simulator._clock import Clock
from simulator._ids import IdFactory
from simulator.directory import Directory, build_directory
from simulator.names import Namer
from simulator.params import SimulationParams
from simulator.partnerships import Partnership, background_partnerships
from simulator.planted import Planted, choose_gap, plant
from simulator.planted_presence import PlantedPresence, plant_presence
from simulator.presence import Place, build_places, iter_presence
from simulator.records import (
    FILES,
    AvailabilityRecord,
    Dataset,
    EventRecord,
    MembershipRecord,
    NetworkRecord,
    OrganizationRecord,
    PartnershipRecord,
    PlaceRecord,
    PresenceRecord,
    ReferralRecord,
    ServiceRecord,
    TerritoryRecord,
)
from simulator.referrals import ReferralStream

__all__ = ["Progress", "Simulation", "simulate"]

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``, e.g. ``("referrals", 3, 24)``."""

FORMAT_VERSION = 1


class Simulation:
    """A simulated region: build it once, then read its records."""

    def __init__(self, params: SimulationParams, seed: int) -> None:
        self.params, self.seed = params, seed
        master = random.Random(seed)
        seeds = [master.getrandbits(64) for _ in range(8)]
        self.clock = clock = Clock(params.start_date, params.months)
        ids = IdFactory(seeds[0])
        namer = Namer(random.Random(seeds[1]))
        gap = choose_gap(params, random.Random(seeds[2]))
        self.directory: Directory = build_directory(
            params, clock, random.Random(seeds[3]), ids, namer, gap
        )
        self.partnerships: list[Partnership] = background_partnerships(
            params, clock, random.Random(seeds[4]), self.directory
        )
        self.planted: Planted = plant(
            params, clock, random.Random(seeds[5]), self.directory, self.partnerships
        )
        self.places: list[Place] = build_places(random.Random(seeds[6]), ids, namer, self.directory)
        self._presence_seed = seeds[7]
        self._referral_seed = master.getrandbits(64)
        self._referral_ids = IdFactory(master.getrandbits(64))
        # Drawn last and planted after the places, so nothing above changes with it.
        self._planted_presence_seed = master.getrandbits(64)
        self.planted_presence: PlantedPresence = plant_presence(
            params, clock, random.Random(self._planted_presence_seed), ids, namer,
            self.directory, self.planted, self.places, self.partnerships,
        )  # fmt: skip

    # -- the small files ---------------------------------------------------

    def networks(self) -> list[NetworkRecord]:
        """One network per group of territories."""
        territories = self.directory.territories
        return [
            {
                "id": n.id,
                "name": n.name,
                "territoryCodes": [territories[t].code for t in n.territories],
                "ackDelayHours": self.params.ack_delay_hours,
                "retentionDays": self.params.retention_days,
            }
            for n in self.directory.networks
        ]

    def territories(self) -> list[TerritoryRecord]:
        """The neighbourhoods."""
        return [{"id": t.id, "code": t.code, "name": t.name} for t in self.directory.territories]

    def place_records(self) -> list[PlaceRecord]:
        """The outreach places."""
        territories = self.directory.territories
        return [
            {"id": p.id, "name": p.name, "kind": p.kind, "territoryId": territories[p.territory].id}
            for p in self.places
        ]

    def organizations(self) -> list[OrganizationRecord]:
        """Organizations as they stand at the end of the period."""
        territories = self.directory.territories
        return [
            {
                "id": o.id,
                "name": o.name,
                "kind": o.kind,
                "description": o.profile.description,
                "languages": o.languages,
                "territoryId": territories[o.territory].id if o.territory is not None else None,
                "active": o.closed_at is None,
                "createdAt": self.clock.format(o.created_at),
            }
            for o in self.directory.organizations
        ]

    def memberships(self) -> list[MembershipRecord]:
        """MEMBER_OF from the day an organization joins until it closes."""
        clock, networks = self.clock, self.directory.networks
        return [
            {
                "organizationId": o.id,
                "networkId": networks[n].id,
                "since": clock.format_date(o.created_at),
                "until": clock.format_date(o.closed_at) if o.closed_at is not None else None,
            }
            for o in self.directory.organizations
            for n in o.networks
        ]

    def services(self) -> list[ServiceRecord]:
        """Services with their availability at the end of the period."""
        orgs, territories, clock = (
            self.directory.organizations,
            self.directory.territories,
            self.clock,
        )
        records: list[ServiceRecord] = []
        for s in self.directory.services:
            names = ", ".join(territories[t].name for t in s.territories)
            records.append(
                {
                    "id": s.id,
                    "organizationId": orgs[s.org].id,
                    "name": s.template.name,
                    "description": s.template.description,
                    "eligibility": f"{s.template.eligibility} — territoire : {names}",
                    "languages": orgs[s.org].languages,
                    "availability": s.availability_at(clock.end - 1),
                    "needCodes": list(s.needs),
                    "territoryIds": [territories[t].id for t in s.territories],
                    "createdAt": clock.format(s.created_at),
                }
            )
        return records

    def availability(self) -> list[AvailabilityRecord]:
        """Every availability change up to the end of the period, in time order."""
        changes = sorted(
            (t, s.index, state)
            for s in self.directory.services
            for t, state in zip(s.change_times, s.change_states, strict=True)
            if t < self.clock.end
        )
        services = self.directory.services
        return [
            {"serviceId": services[i].id, "availability": state, "at": self.clock.format(t)}
            for t, i, state in changes
        ]

    def partnership_records(self) -> list[PartnershipRecord]:
        """Declared partnerships; the planted ones last (new partnership, then shared staff)."""
        orgs, clock = self.directory.organizations, self.clock
        return [
            {
                "sourceId": orgs[p.source].id,
                "targetId": orgs[p.target].id,
                "kind": p.kind,
                "since": clock.format_date(p.since),
                "until": clock.format_date(p.until) if p.until is not None else None,
            }
            for p in self.partnerships
        ]

    def small_files(self) -> dict[str, list[Any]]:
        """Records of every file except presence, referrals and events."""
        return {
            "networks.jsonl": self.networks(),
            "territories.jsonl": self.territories(),
            "places.jsonl": self.place_records(),
            "organizations.jsonl": self.organizations(),
            "memberships.jsonl": self.memberships(),
            "services.jsonl": self.services(),
            "availability.jsonl": self.availability(),
            "partnerships.jsonl": self.partnership_records(),
        }

    # -- the large files ---------------------------------------------------

    def presence(self) -> Iterator[PresenceRecord]:
        """Outreach presence records in date order."""
        return iter_presence(
            self.clock,
            random.Random(self._presence_seed),
            self.directory,
            self.places,
            self.planted_presence.schedules,
            self.params.need_prevalence,
            random.Random(self._planted_presence_seed + 1),
        )

    def referrals(
        self, progress: Progress | None = None
    ) -> Iterator[tuple[ReferralRecord, list[EventRecord]]]:
        """Referrals in ``sentAt`` order, each with its events."""
        stream = ReferralStream(
            self.params,
            self.clock,
            self.directory,
            self.places,
            self.partnerships,
            self.planted,
            self._referral_seed,
            self._referral_ids,
            self.planted_presence,
        )
        return stream.stream(progress)

    def manifest(self, counts: dict[str, int]) -> dict[str, Any]:
        """The content of ``manifest.json`` given the number of lines of each file."""
        return {
            "generator": "maillage.simulator",
            "formatVersion": FORMAT_VERSION,
            "seed": self.seed,
            "preset": self.params.preset,
            "period": {
                "start": self.clock.start_date.isoformat(),
                "end": self.clock.end_date.isoformat(),
            },
            "params": self.params.to_json(),
            "counts": {name: counts.get(name, 0) for name, _ in FILES},
            "plantedEvents": self.planted.events,
            "plantedPresence": self.planted_presence.records,
        }


def simulate(params: SimulationParams, seed: int, progress: Progress | None = None) -> Dataset:
    """Simulate a region in memory.

    Parameters
    ----------
    params
        What to simulate; see :mod:`simulator.params` for presets.
    seed
        The same seed gives the same dataset, byte for byte once written.
    progress
        Optional ``progress(stage, done, total)`` callback.

    Returns
    -------
    Dataset
        Every record, plus the manifest. For the large preset prefer
        :func:`simulator.write_simulation`, which streams to files.

    Examples
    --------
    >>> from simulator import SimulationParams, simulate
    >>> data = simulate(SimulationParams(organizations=40, referrals=300, months=12), seed=1)
    >>> len(data.organizations)
    40
    """
    simulation = Simulation(params, seed)
    files = simulation.small_files()
    presence = list(simulation.presence())
    referrals: list[ReferralRecord] = []
    events: list[EventRecord] = []
    for referral, referral_events in simulation.referrals(progress):
        referrals.append(referral)
        events.extend(referral_events)
    counts = {name: len(records) for name, records in files.items()}
    counts |= {
        "presence.jsonl": len(presence),
        "referrals.jsonl": len(referrals),
        "events.jsonl": len(events),
    }
    return Dataset(
        networks=files["networks.jsonl"],
        territories=files["territories.jsonl"],
        places=files["places.jsonl"],
        organizations=files["organizations.jsonl"],
        memberships=files["memberships.jsonl"],
        services=files["services.jsonl"],
        availability=files["availability.jsonl"],
        partnerships=files["partnerships.jsonl"],
        presence=presence,
        referrals=referrals,
        events=events,
        manifest=simulation.manifest(counts),
    )
