"""Outreach places and the presence of outreach workers there (PRESENT_AT).

The seed text asks outreach workers to visit a diversity of places where
isolated families are — parks, grocery stores, streets, malls, food banks,
thrift stores, community festivals, around schools and daycares, near social
housing — with *regular, repeated* presence. So each outreach organization
keeps a weekly or fortnightly slot at a few places of its territory, follows
the seasons (parks in summer, schools closed in July and August), attends the
neighbourhood festivals, and meets more families as trust builds up.
Workers note the needs they heard (up to three codes a visit, by prevalence).
Planted presence (``planted_presence.py``) adds fixed visit schedules
(:class:`Schedule`) at places of their own.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from simulator._clock import DAY, Clock, is_holiday
from simulator._ids import IdFactory
from simulator.directory import Directory
from simulator.names import Namer
from simulator.records import PresenceRecord

__all__ = ["Place", "Schedule", "build_places", "closed_on", "iter_presence"]

_KINDS = (
    ("PARK", 0.16), ("GROCERY", 0.13), ("SOCIAL_HOUSING", 0.11), ("SCHOOL", 0.12),
    ("STREET", 0.08), ("FOOD_BANK", 0.08), ("THRIFT_STORE", 0.08), ("COMMUNITY_EVENT", 0.08),
    ("CHILDCARE", 0.08), ("MALL", 0.06), ("OTHER", 0.02),
)  # fmt: skip
# Families met per hour of presence, once the worker is known there.
_CONTACTS_PER_HOUR = {
    "PARK": 2.5, "GROCERY": 2.0, "MALL": 2.0, "STREET": 1.2, "FOOD_BANK": 3.5,
    "THRIFT_STORE": 1.5, "COMMUNITY_EVENT": 6.0, "SCHOOL": 2.5, "CHILDCARE": 1.8,
    "SOCIAL_HOUSING": 1.8, "OTHER": 1.2,
}  # fmt: skip
_EPOCH = date(1970, 1, 1)


@dataclasses.dataclass(slots=True)
class Place:
    """An outreach place in a territory."""

    index: int
    id: str
    name: str
    kind: str
    territory: int


@dataclasses.dataclass(slots=True)
class Schedule:
    """Visits of one organization to one place on fixed days (epoch days, ascending)."""

    org: int
    place: Place
    days: list[int]
    hours: float


@dataclasses.dataclass(slots=True)
class _Slot:
    """A recurring presence of one organization at one place."""

    org: int
    place: Place
    weekday: int
    every: int
    phase: int
    hours: float
    visits: int = 0


def build_places(
    rng: random.Random, ids: IdFactory, namer: Namer, directory: Directory
) -> list[Place]:
    """Places of every territory, and the places each outreach organization visits."""
    places: list[Place] = []
    by_territory: dict[int, list[Place]] = {}
    for territory in directory.territories:
        residents = sum(1 for o in directory.organizations if o.territory == territory.index)
        main = [k for k, _ in _KINDS if k != "OTHER"]
        rng.shuffle(main)
        count = max(len(main), round(residents * 0.35))
        for i in range(count):
            kind = main[i] if i < len(main) else _weighted(rng, _KINDS)
            name = namer.place(kind, territory.name)
            place = Place(len(places), ids.new(), name, kind, territory.index)
            places.append(place)
            by_territory.setdefault(territory.index, []).append(place)
    for org in directory.organizations:
        if not org.outreach:
            continue
        reachable = [p for t in org.coverage for p in by_territory.get(t, [])]
        visited = rng.sample(reachable, min(len(reachable), rng.randint(2, 5)))
        org.places = sorted(p.index for p in visited)
    return places


def iter_presence(
    clock: Clock,
    rng: random.Random,
    directory: Directory,
    places: list[Place],
    schedules: Sequence[Schedule] = (),
    prevalence: Sequence[tuple[str, float]] = (),
    aside: random.Random | None = None,
) -> Iterator[PresenceRecord]:
    """Presence records, week by week in date order.

    ``schedules`` add visits on fixed days; needs heard are drawn from
    ``prevalence`` (none without it). Both draw from ``aside``, not ``rng``,
    so they leave the other visits as they were.
    """
    aside = aside or random.Random(0)
    fixed = _scheduled_rows(schedules, aside)
    codes = [n for n, w in prevalence if w > 0]
    cumulative = list(itertools.accumulate(w for _, w in prevalence if w > 0))
    slots: list[_Slot] = []
    festival_goers: dict[int, list[int]] = {}
    for org in directory.organizations:
        for index in org.places:
            place = places[index]
            if place.kind == "COMMUNITY_EVENT":
                festival_goers.setdefault(index, []).append(org.index)
                continue
            weekday = 5 if place.kind in ("GROCERY", "MALL", "PARK") and rng.random() < 0.1 else 0
            slots.append(
                _Slot(
                    org=org.index,
                    place=place,
                    weekday=weekday or rng.randrange(5),
                    every=1 if rng.random() < 0.6 else 2,
                    phase=rng.randrange(2),
                    hours=rng.choice((1.5, 2.0, 2.0, 2.5, 3.0, 3.5)),
                )
            )
    festivals = _festivals(clock, rng, sorted(festival_goers))
    first_day, last_day = clock.start // DAY, clock.end // DAY
    monday = first_day - (_EPOCH + timedelta(days=first_day)).weekday()
    for week, week_start in enumerate(range(monday, last_day, 7)):
        rows: list[tuple[int, int, int, float, int]] = []
        for slot in slots:
            day = week_start + slot.weekday
            if (week + slot.phase) % slot.every or not first_day <= day < last_day:
                continue
            calendar = _EPOCH + timedelta(days=day)
            if closed_on(slot.place.kind, calendar) or rng.random() < _skip(calendar):
                continue
            hours = max(1.0, slot.hours + rng.choice((-0.5, 0.0, 0.0, 0.0, 0.5)))
            trust = 1.0 - 0.5 * math.exp(-slot.visits / 8)  # regular presence builds trust
            rate = _CONTACTS_PER_HOUR[slot.place.kind] * trust * _season(slot.place.kind, calendar)
            slot.visits += 1
            rows.append((day, slot.org, slot.place.index, hours, _poisson(rng, hours * rate)))
        rows.extend(fixed.get(week_start, []))
        for day, place_index in festivals.get(week_start, []):
            for goer in festival_goers[place_index]:
                if rng.random() < 0.85:
                    hours = rng.choice((3.0, 4.0, 5.0, 6.0))
                    contacts = _poisson(rng, hours * _CONTACTS_PER_HOUR["COMMUNITY_EVENT"])
                    rows.append((day, goer, place_index, hours, contacts))
        rows.sort()
        for day, goer, place_index, hours, contacts in rows:
            yield {
                "organizationId": directory.organizations[goer].id,
                "placeId": places[place_index].id,
                "date": (_EPOCH + timedelta(days=day)).isoformat(),
                "hours": hours,
                "contacts": contacts,
                "needsHeard": _heard(aside, contacts, codes, cumulative),
            }


def _scheduled_rows(
    schedules: Sequence[Schedule], rng: random.Random
) -> dict[int, list[tuple[int, int, int, float, int]]]:
    """Rows of the fixed schedules, keyed by the Monday of their week."""
    by_week: dict[int, list[tuple[int, int, int, float, int]]] = {}
    for schedule in schedules:
        kind = schedule.place.kind
        for visits, day in enumerate(schedule.days):
            calendar = _EPOCH + timedelta(days=day)
            hours = max(1.0, schedule.hours + rng.choice((-0.5, 0.0, 0.0, 0.0, 0.5)))
            trust = 1.0 - 0.5 * math.exp(-visits / 8)
            rate = _CONTACTS_PER_HOUR[kind] * trust * _season(kind, calendar)
            row = (day, schedule.org, schedule.place.index, hours, _poisson(rng, hours * rate))
            by_week.setdefault(day - calendar.weekday(), []).append(row)
    return by_week


def _heard(
    rng: random.Random, contacts: int, codes: list[str], cumulative: list[float]
) -> list[str]:
    """Up to three distinct need codes heard at a visit, at most one per family met."""
    if not codes:
        return []
    heard: list[str] = []
    for _ in range(min(contacts, rng.choice((0, 1, 1, 2, 2, 3)))):
        code = codes[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]
        if code not in heard:
            heard.append(code)
    return heard


def _festivals(
    clock: Clock, rng: random.Random, event_places: list[int]
) -> dict[int, list[tuple[int, int]]]:
    """Festival days of every event place, keyed by the Monday of their week."""
    by_week: dict[int, list[tuple[int, int]]] = {}
    for place in event_places:
        for year in range(clock.start_date.year, clock.end_date.year + 1):
            days = [date(year, rng.choice((6, 7, 8, 9)), rng.randint(1, 28)) for _ in range(2)]
            days.append(date(year, 12, rng.randint(1, 15)))  # the Christmas market
            for day in days:
                saturday = day + timedelta(days=(5 - day.weekday()) % 7)
                number = (saturday - _EPOCH).days
                if clock.start // DAY <= number < clock.end // DAY:
                    by_week.setdefault(number - 5, []).append((number, place))
    for rows in by_week.values():
        rows.sort()
    return by_week


def closed_on(kind: str, day: date) -> bool:
    """Whether nobody goes to that kind of place on that day."""
    if is_holiday(day) or (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 3):
        return True
    if kind == "PARK":
        return not 5 <= day.month <= 10
    if kind == "SCHOOL":
        return day.month in (7, 8) or (day.month == 3 and day.day <= 7)
    return False


def _skip(day: date) -> float:
    """Chance an outreach worker misses a slot (more in the summer holidays)."""
    return 0.35 if (day.month == 7 and day.day >= 15) or (day.month == 8 and day.day <= 15) else 0.1


def _season(kind: str, day: date) -> float:
    if kind == "PARK" and day.month in (6, 7, 8):
        return 1.3
    if kind == "MALL" and day.month in (12, 1, 2):
        return 1.3
    return 1.0


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    u = rng.random() * sum(w for _, w in options)
    for value, weight in options:
        u -= weight
        if u < 0:
            return value
    return options[-1][0]
