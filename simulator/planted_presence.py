"""Planted presence: three outreach situations hidden in the data, with their ground truth.

Like the planted events (``planted.py``), each is a situation the presence
analytics must find, described by an entry of ``manifest.json``'s
``plantedPresence``:

1. REGULAR_PRESENCE — an outreach organization keeps a weekly slot at a new
   place from a given date; no referral originates there for ``lagWeeks``
   weeks (families need time to trust the worker), then referrals from the
   place begin and rise;
2. IRREGULAR_PRESENCE — another organization visits another new place now
   and then, four to twelve weeks apart, and at most one referral follows a
   visit;
3. SELF_REFERRAL — an outreach organization shares its staff with a sister
   organization (a SHARED_STAFF partnership: the API refuses a referral to
   oneself) and sends most referrals it originates at places to the sister's
   services — outreach as recruitment, the seed text's warning.

The choices and schedules come from their own ``random.Random``, the referral
stream's decisions from another (:class:`OutreachTruth`), and the two places
are created after all the others: the rest of the dataset keeps its ids and
its draws. Only the places of a few referrals change, and the self-referrer's
referrals to its sister are extra ones (own draws, own ids, never redirected):
the place-originated referrals they stand for lose their place instead of
being re-routed, which would reshuffle every referral after them.
"""

from __future__ import annotations

import bisect
import dataclasses
import random
from datetime import date, timedelta

from simulator._clock import DAY, Clock
from simulator._ids import IdFactory
from simulator.directory import Directory, Organization, Service
from simulator.names import Namer
from simulator.params import SimulationParams
from simulator.partnerships import Partnership
from simulator.planted import Planted, expected_shares
from simulator.presence import Place, Schedule, closed_on
from simulator.records import PlantedPresenceRecord

__all__ = ["OutreachTruth", "PlantedPresence", "plant_presence"]

WEEK = 7 * DAY
# Kinds of place open all year (no park, no school), so the weekly slot never pauses.
_REGULAR_KINDS = ("GROCERY", "FOOD_BANK", "SOCIAL_HOUSING", "THRIFT_STORE")
_IRREGULAR_KINDS = ("MALL", "STREET", "GROCERY", "THRIFT_STORE")
_LAG_WEEKS = (6, 10)
_GAP_WEEKS = (4, 12)
# Share of the regular organization's referrals that originate at the place, by weeks
# since the lag ended: from 20% to 70% over half a year as word gets around.
_RAMP = (0.2, 0.7, 26)
# A referral after an irregular visit comes within the week, or never: each referral the
# organization sends that week originates there with this probability, and one at most.
_FOLLOW_DAYS = 7
_FOLLOW_PROBABILITY = 0.15
_EPOCH = date(1970, 1, 1)
_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")


@dataclasses.dataclass
class PlantedPresence:
    """The planted presence situations and what the referral stream must honour.

    ``trust_from`` is the second from which referrals may originate at the
    regular place; ``since`` the start of the self-referrer's shared staff.
    """

    records: list[PlantedPresenceRecord]
    schedules: list[Schedule]
    regular: Schedule | None = None
    trust_from: int = 0
    irregular: Schedule | None = None
    self_referrer: int | None = None
    sister: int | None = None
    since: int = 0
    own_share: float = 0.0


def plant_presence(
    params: SimulationParams,
    clock: Clock,
    rng: random.Random,
    ids: IdFactory,
    namer: Namer,
    directory: Directory,
    planted: Planted,
    places: list[Place],
    partnerships: list[Partnership],
) -> PlantedPresence:
    """Plant the situations: new places appended to ``places``, a partnership to ``partnerships``.

    Returns nothing planted when events are not planted or when fewer than
    three outreach organizations are free to play the parts.
    """
    if not params.planted:
        return PlantedPresence([], [])
    orgs = directory.organizations
    taken = set(directory.bridges) | {
        o.index
        for e in planted.events
        for o in orgs
        if o.id in (e["organizationId"], e["partnerOrganizationId"])
    }
    # Organizations of one territory, operating all period, in no other planted event.
    free = sorted(
        (
            o
            for o in orgs
            if o.outreach and o.joins == 0 and o.closed_at is None and len(o.coverage) == 1
            and o.index not in taken
        ),
        key=lambda o: (-o.activity, o.index),
    )  # fmt: skip
    if len(free) < 3:
        return PlantedPresence([], [])
    truth = PlantedPresence([], [])
    # The busiest sender, so that referrals from the place follow the lag closely.
    regular = free[0]
    _regular(params, clock, rng, ids, namer, directory, places, regular, truth)
    irregular = next((o for o in free[1:] if o.territory != regular.territory), free[1])
    _irregular(clock, rng, ids, namer, directory, places, irregular, truth)
    rest = [o for o in free if o is not regular and o is not irregular]
    shares = expected_shares(directory, dict(params.need_prevalence))
    taken |= {regular.index, irregular.index}
    # A sender of median activity, so it neither leads its territory nor sends too little.
    for sender in rest[len(rest) // 2 :] + rest[: len(rest) // 2]:
        sister = _sister(directory, shares, partnerships, sender, taken)
        if sister is not None:
            _self_referral(params, clock, directory, partnerships, sender, sister, truth)
            break
    return truth


def _regular(
    params: SimulationParams,
    clock: Clock,
    rng: random.Random,
    ids: IdFactory,
    namer: Namer,
    directory: Directory,
    places: list[Place],
    org: Organization,
    truth: PlantedPresence,
) -> None:
    assert org.territory is not None
    kind = rng.choice(_REGULAR_KINDS)
    first = clock.month_starts[params.month_of(params.regular_presence_start)] // DAY
    monday = first + (7 - _calendar(first).weekday()) % 7
    weekday = rng.randrange(1, 4)  # Tuesday to Thursday: no Monday holidays
    days = [
        d for d in range(monday + weekday, clock.end // DAY, 7) if not closed_on(kind, _calendar(d))
    ]
    lag = rng.randint(*_LAG_WEEKS)
    if not days:
        return
    place = _new_place(ids, namer, directory, places, kind, org.territory)
    schedule = Schedule(org.index, place, days, rng.choice((2.0, 2.5, 3.0)))
    truth.schedules.append(schedule)
    truth.regular, truth.trust_from = schedule, (monday + 7 * lag) * DAY
    truth.records.append(
        _record(
            "REGULAR_PRESENCE",
            _calendar(days[0]).isoformat(),
            f"{org.name} is present every {_WEEKDAYS[weekday].lower()} at {place.name} "
            f"from {_calendar(days[0]).isoformat()}: no referral originates there for "
            f"{lag} weeks, then referrals from the place begin and rise; presence is regular "
            "(every open week), so the trust lag counts from its third week",
            directory,
            org,
            place=place,
            details={
                "lagWeeks": lag,
                "everyWeeks": 1,
                "weekday": _WEEKDAYS[weekday],
                "visits": len(days),
                "referralsFrom": _calendar(monday + 7 * lag).isoformat(),
            },
        )
    )


def _irregular(
    clock: Clock,
    rng: random.Random,
    ids: IdFactory,
    namer: Namer,
    directory: Directory,
    places: list[Place],
    org: Organization,
    truth: PlantedPresence,
) -> None:
    assert org.territory is not None
    kind = rng.choice(_IRREGULAR_KINDS)
    first, last = clock.start // DAY, clock.end // DAY
    week = first - _calendar(first).weekday() + 7 * rng.randint(1, 6)
    days = []
    while week + 4 < last:
        day = week + rng.randrange(5)
        if first <= day < last and not closed_on(kind, _calendar(day)):
            days.append(day)
        week += 7 * rng.randint(*_GAP_WEEKS)
    if not days:
        return
    place = _new_place(ids, namer, directory, places, kind, org.territory)
    schedule = Schedule(org.index, place, days, rng.choice((1.5, 2.0)))
    truth.schedules.append(schedule)
    truth.irregular = schedule
    low, high = _GAP_WEEKS
    truth.records.append(
        _record(
            "IRREGULAR_PRESENCE",
            _calendar(days[0]).isoformat(),
            f"{org.name} visits {place.name} now and then, {low} to {high} weeks apart "
            f"({len(days)} visits): presence is never regular, and at most one referral "
            f"follows a visit (within {_FOLLOW_DAYS} days), so few originate there",
            directory,
            org,
            place=place,
            details={
                "visits": len(days),
                "minGapWeeks": low,
                "maxGapWeeks": high,
                "maxReferralsPerVisit": 1,
            },
        )
    )


def _sister(
    directory: Directory,
    shares: list[float],
    partnerships: list[Partnership],
    sender: Organization,
    taken: set[int],
) -> Organization | None:
    """The organization of the sender's territory that receives least, to share its staff.

    A small receiver, so that the referrals it gains move no other planted
    event's signal; not already a partner of the sender.
    """
    pull = [0.0] * len(directory.organizations)
    for s in directory.services:
        pull[s.org] += shares[s.index]
    partners = {p.target if p.source == sender.index else p.source for p in partnerships
                if sender.index in (p.source, p.target)}  # fmt: skip
    candidates = [
        o
        for o in directory.organizations
        if o.territory == sender.territory and o.index != sender.index and o.services
        and o.joins == 0 and o.closed_at is None and o.index not in taken | partners
    ]  # fmt: skip
    return min(candidates, key=lambda o: (pull[o.index], o.index)) if candidates else None


def _self_referral(
    params: SimulationParams,
    clock: Clock,
    directory: Directory,
    partnerships: list[Partnership],
    sender: Organization,
    sister: Organization,
    truth: PlantedPresence,
) -> None:
    earliest = max(sender.created_at, sister.created_at) // DAY * DAY + DAY
    since = max(earliest, clock.start - 365 * DAY)
    partnerships.append(Partnership(sender.index, sister.index, "SHARED_STAFF", since, None))
    truth.self_referrer, truth.sister = sender.index, sister.index
    truth.since, truth.own_share = since, params.self_referral_share
    truth.records.append(
        _record(
            "SELF_REFERRAL",
            clock.format_date(since),
            f"{sender.name} shares its staff with {sister.name} (partnerships.jsonl, "
            f"SHARED_STAFF) and sends about {params.self_referral_share:.0%} of the referrals "
            "it originates at outreach places to that organization's services",
            directory,
            sender,
            partner=sister,
            details={
                "partnershipKind": "SHARED_STAFF",
                "ownServiceShare": params.self_referral_share,
            },
        )
    )


class OutreachTruth:
    """What the referral stream does differently for the planted presence, with its own draws.

    One per stream: it remembers which referral came first after the lag and
    which irregular visits a referral followed already.
    """

    def __init__(self, truth: PlantedPresence, directory: Directory, rng: random.Random) -> None:
        self.truth, self.directory, self.rng = truth, directory, rng
        self._first_done = False
        self._followed: set[int] = set()
        self._own: list[Service] = []
        if truth.sister is not None:
            sister = directory.organizations[truth.sister]
            self._own = [directory.services[i] for i in sister.services]

    def place(self, sender: Organization, territory: int, t: int, drawn: str | None) -> str | None:
        """Where a referral of ``sender`` for a family of ``territory`` originates."""
        regular, irregular = self.truth.regular, self.truth.irregular
        if regular is not None and (sender.index, territory) == (
            regular.org,
            regular.place.territory,
        ):
            if t < self.truth.trust_from:
                return drawn
            low, high, weeks = _RAMP
            share = min(high, low + (high - low) * (t - self.truth.trust_from) / (weeks * WEEK))
            if not self._first_done or self.rng.random() < share:
                self._first_done = True
                return regular.place.id
        if irregular is not None and (sender.index, territory) == (
            irregular.org,
            irregular.place.territory,
        ):
            day = t // DAY
            i = bisect.bisect_right(irregular.days, day) - 1
            recent = i >= 0 and i not in self._followed and day - irregular.days[i] < _FOLLOW_DAYS
            if recent and self.rng.random() < _FOLLOW_PROBABILITY:
                self._followed.add(i)
                return irregular.place.id
        return drawn

    def recruitment(
        self, sender: Organization, t: int, place: str | None
    ) -> tuple[int, Service, str] | None:
        """For the self-referrer meeting a family at a place: ``(at, service, need)``, or None.

        Most often the family goes to the sister's services (for a need one of
        them addresses) a little after ``t``; its referral to the network is
        then no longer one from the place.
        """
        truth, rng = self.truth, self.rng
        if sender.index != truth.self_referrer or place is None or t < truth.since:
            return None
        if not self._own or rng.random() >= truth.own_share:
            return None
        service = rng.choice(self._own)
        return t + rng.randint(10 * 60, 90 * 60), service, rng.choice(service.needs)


def _new_place(
    ids: IdFactory,
    namer: Namer,
    directory: Directory,
    places: list[Place],
    kind: str,
    territory: int,
) -> Place:
    name = namer.place(kind, directory.territories[territory].name)
    place = Place(len(places), ids.new(), name, kind, territory)
    places.append(place)
    return place


def _calendar(day: int) -> date:
    return _EPOCH + timedelta(days=day)


def _record(
    kind: str,
    start: str,
    signal: str,
    directory: Directory,
    org: Organization,
    *,
    partner: Organization | None = None,
    place: Place | None = None,
    details: dict[str, object],
) -> PlantedPresenceRecord:
    assert org.territory is not None
    return {
        "kind": kind,
        "organizationId": org.id,
        "partnerOrganizationId": partner.id if partner else None,
        "placeId": place.id if place else None,
        "territoryId": directory.territories[org.territory].id,
        "start": start,
        "end": None,
        "expectedSignal": signal,
        "details": dict(details),
    }
