"""The stream of referrals and their events, month by month, in ``sentAt`` order.

Each month has a volume set by seasonality (back-to-school peak in
September, holiday trough in late December) and adoption growth. For every
referral a sender is drawn by activity, then a family (sometimes one it
referred before), the needs it heard, the outreach place where it met the
family, and a receiver (``routing.py``); ``lifecycle.py`` draws what happens
next. A redirect creates a new referral from the redirecting organization,
queued by its time so the stream stays in ``sentAt`` order. Nothing grows
with the number of referrals except bounded memories, so a million referrals
stream in constant memory.
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
import random
from collections.abc import Callable, Iterator

from simulator._clock import DAY, HOUR, Clock
from simulator._ids import IdFactory
from simulator.directory import Directory, Organization, Service
from simulator.lifecycle import Lifecycle, Step
from simulator.params import SimulationParams
from simulator.partnerships import PartnerIndex, Partnership
from simulator.planted import Planted
from simulator.planted_presence import OutreachTruth, PlantedPresence
from simulator.presence import Place
from simulator.records import Consent, EventRecord, ReferralRecord
from simulator.routing import Router

__all__ = ["ReferralStream"]

Progress = Callable[[str, int, int], None]
_FAMILY_MEMORY = 40
_TERRITORY_MEMORY = 200
_MAX_REDIRECTS = 3
# Needs heard more in some months: (need, months, factor).
_NEED_SEASONS = (
    ("CHILDCARE", (8, 9), 1.6),
    ("EDUCATION", (8, 9), 1.6),
    ("FOOD_SECURITY", (11, 12), 1.3),
    ("HOUSING", (5, 6), 1.5),  # before the 1st of July, moving day
)
_URGENCIES = (("ROUTINE", 0.75), ("PRIORITY", 0.20), ("URGENT", 0.05))


@dataclasses.dataclass(slots=True)
class _Family:
    """A family, and the reference each organization that referred it gave it."""

    id: str
    territory: int
    refs: dict[int, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class _Redirect:
    """A referral to send later: after a redirect, or a planted self-referral (``place``)."""

    parent_id: str
    sender: Organization
    service: Service
    family: _Family
    needs: list[str]
    urgency: str
    consent: Consent
    depth: int
    place: str | None = None


class ReferralStream:
    """Generates referrals with their events, in ``sentAt`` order."""

    def __init__(
        self,
        params: SimulationParams,
        clock: Clock,
        directory: Directory,
        places: list[Place],
        partnerships: list[Partnership],
        planted: Planted,
        seed: int,
        ids: IdFactory,
        planted_presence: PlantedPresence | None = None,
    ) -> None:
        self.params, self.clock, self.directory, self.places = params, clock, directory, places
        self.rng = random.Random(seed)
        self.ids = ids
        self.orgs = directory.organizations
        partners = PartnerIndex(partnerships, len(self.orgs))
        self.router = Router(params, directory, partners, planted, random.Random(seed + 1))
        self.lifecycle = Lifecycle(params, clock, random.Random(seed + 2))
        # The planted self-referrer's referrals to its sister come on top of the others, with
        # their own draws and ids, so the rest of the stream stays as it would be without them.
        self.outreach = OutreachTruth(
            planted_presence or PlantedPresence([], []), directory, random.Random(seed + 3)
        )
        self._own_lifecycle = Lifecycle(params, clock, random.Random(seed + 4))
        self._own_ids = IdFactory(seed + 5)
        self._own_queue: list[tuple[int, int, _Redirect]] = []
        self.prevalence = [(n, w) for n, w in params.need_prevalence if w > 0]
        self.ack_by = params.ack_delay_hours * HOUR
        self._queue: list[tuple[int, int, _Redirect]] = []
        self._sequence = 0
        self._families: list[list[_Family]] = [[] for _ in self.orgs]
        self._neighbours: dict[int, list[_Family]] = {}
        self._refs: dict[tuple[int, int], int] = {}
        self._served = [
            {n for s in o.services for n in directory.services[s].needs} for o in self.orgs
        ]
        self._senders: tuple[list[Organization], list[float]] = ([], [])
        self._needs: dict[int, tuple[list[str], list[float]]] = {}
        self._season: dict[str, float] = {}

    def monthly_volumes(self) -> list[int]:
        """Referrals first sent each month (redirects come on top)."""
        params, start = self.params, self.params.start_date.month - 1
        weights = [
            params.seasonality[(start + m) % 12] * (1 + params.yearly_growth * m / 12)
            for m in range(params.months)
        ]
        base = params.referrals / (1 + 0.6 * params.redirect_rate + 0.02)
        return [round(base * w / sum(weights)) for w in weights]

    def __iter__(self) -> Iterator[tuple[ReferralRecord, list[EventRecord]]]:
        return self.stream()

    def stream(
        self, progress: Progress | None = None
    ) -> Iterator[tuple[ReferralRecord, list[EventRecord]]]:
        """Every referral with its events; ``progress("referrals", month, months)``."""
        clock, rng = self.clock, self.rng
        volumes = self.monthly_volumes()
        for month, volume in enumerate(volumes):
            yield from self._drain(clock.month_starts[month])
            self._new_month(month)
            for t in sorted(clock.sending_time(month, rng) for _ in range(volume)):
                yield from self._drain(t)
                referral = self._first_referral(t)
                if referral is not None:
                    yield referral
            if progress is not None:
                progress("referrals", month + 1, len(volumes))
        yield from self._drain(clock.end)

    def _new_month(self, month: int) -> None:
        t = self.clock.month_starts[month]
        self.router.new_month(month, t)
        senders = [o for o in self.orgs if o.joins <= month and o.active_at(t)]
        cumulative = list(_running([o.activity for o in senders]))
        self._senders = (senders, cumulative)
        calendar_month = self.clock.month_date(month).month
        self._season = {
            need: factor for need, months, factor in _NEED_SEASONS if calendar_month in months
        }
        self._needs = {}

    def _first_referral(self, t: int) -> tuple[ReferralRecord, list[EventRecord]] | None:
        rng, params = self.rng, self.params
        senders, cumulative = self._senders
        if not senders:
            return None
        sender = senders[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]
        family = self._family(sender, t)
        needs = [self._need(sender)]
        if rng.random() < params.second_need_share:
            second = self._need(sender)
            if second != needs[0]:
                needs.append(second)
        service = self.router.choose(sender, needs[0], family.territory, t)
        if service is None:
            return None
        place = None
        if sender.places and rng.random() < params.place_share:
            here = [p for p in sender.places if self.places[p].territory == family.territory]
            place = self.places[rng.choice(here)].id if here else None
        place = self.outreach.place(sender, family.territory, t, place)
        recruited = self.outreach.recruitment(sender, t, place)
        if recruited is not None:
            self._recruit(sender, place, *recruited)
            place = None
        consent: Consent = {
            "given": True,
            "at": self.clock.format(t - rng.randint(5 * 60, 2 * DAY)),
            "method": "VERBAL" if rng.random() < 0.7 else "WRITTEN",
            "scope": "REFERRAL_AND_CONTACT_SHARING" if rng.random() < 0.85 else "REFERRAL_ONLY",
        }
        urgency = _pick(rng, _URGENCIES)
        return self._send(t, sender, service, family, needs, urgency, place, consent, None, 0)

    def _send(
        self,
        t: int,
        sender: Organization,
        service: Service,
        family: _Family,
        needs: list[str],
        urgency: str,
        place: str | None,
        consent: Consent,
        parent_id: str | None,
        depth: int,
        own: bool = False,
    ) -> tuple[ReferralRecord, list[EventRecord]]:
        """One referral and its events; ``own``: a planted self-referral (no redirect)."""
        clock = self.clock
        receiver = self.orgs[service.org]
        lifecycle, ids = (self._own_lifecycle, self._own_ids) if own else (self.lifecycle, self.ids)
        if not own:
            self.router.record(sender, service, needs[0])
        referral_id = ids.new()
        deadline = min(
            clock.end,
            sender.closed_at if sender.closed_at is not None else clock.end,
            receiver.closed_at if receiver.closed_at is not None else clock.end,
        )
        steps = lifecycle.steps(
            sent_at=t,
            acknowledge_by=t + self.ack_by,
            service=service,
            need=needs[0],
            territory=family.territory,
            urgency=urgency,
            ack_probability=receiver.ack_probability,
            ack_speed=receiver.ack_speed,
            deadline=deadline,
            may_redirect=not own and depth < _MAX_REDIRECTS,
        )
        if steps[-1].type == "REDIRECTED":
            redirect = _Redirect(
                referral_id, receiver, service, family, needs, urgency, consent, depth
            )
            self._redirect(steps, redirect, sender)
        referral: ReferralRecord = {
            "id": referral_id,
            "senderId": sender.id,
            "receiverId": receiver.id,
            "serviceId": service.id,
            "familyId": family.id,
            "familyRef": self._ref(sender, family, t),
            "needCodes": needs,
            "urgency": urgency,
            "placeId": place,
            "sentAt": clock.format(t),
            "acknowledgeBy": clock.format(t + self.ack_by),
            "overrideAvailability": service.availability_at(t) != "OPEN",
            "consent": consent,
            "redirectedFromId": parent_id,
            "idempotencyKey": ids.key(),
        }
        actors = {"sender": sender.id, "receiver": receiver.id, None: None}
        events: list[EventRecord] = [
            {
                "id": ids.new(),
                "referralId": referral_id,
                "type": step.type,
                "status": step.type,
                "at": clock.format(step.at),
                "actorOrganizationId": actors[step.actor],
                "reason": step.reason,
                "comment": None,
            }
            for step in steps
        ]
        return referral, events

    def _redirect(self, steps: list[Step], redirect: _Redirect, original: Organization) -> None:
        """Queue the new referral of a redirect, or turn it into a decline if none fits.

        ``redirect`` describes the redirected referral: its receiver becomes
        the sender of the new one, which must not go back to ``original``.
        """
        last = steps[-1]
        at = last.at + self.rng.randint(60, 15 * 60)
        sender, family = redirect.sender, redirect.family
        target = None
        if sender.active_at(at) and at < self.clock.end:
            target = self.router.choose(
                sender, redirect.needs[0], family.territory, at, original.index
            )
        if target is None:
            last.type, last.reason = "DECLINED", last.reason or "OTHER"
            return
        redirect.service = target
        redirect.depth += 1
        self._sequence += 1
        heapq.heappush(self._queue, (at, self._sequence, redirect))

    def _recruit(
        self, sender: Organization, place: str | None, at: int, service: Service, need: str
    ) -> None:
        """Queue a planted self-referral: a new family met at ``place``, sent to the sister."""
        rng = self.outreach.rng
        if at >= self.clock.end:
            return
        family = _Family(self._own_ids.new(), sender.coverage[0])
        consent: Consent = {
            "given": True,
            "at": self.clock.format(at - rng.randint(5 * 60, 15 * 60)),
            "method": "VERBAL" if rng.random() < 0.7 else "WRITTEN",
            "scope": "REFERRAL_AND_CONTACT_SHARING",
        }
        urgency = _pick(rng, _URGENCIES)
        queued = _Redirect("", sender, service, family, [need], urgency, consent, 0, place)
        self._sequence += 1
        heapq.heappush(self._own_queue, (at, self._sequence, queued))

    def _drain(self, limit: int) -> Iterator[tuple[ReferralRecord, list[EventRecord]]]:
        """Send the queued redirects and planted self-referrals due before ``limit``."""
        while True:
            redirect_at = self._queue[0][0] if self._queue else limit
            own_at = self._own_queue[0][0] if self._own_queue else limit
            if min(redirect_at, own_at) >= limit:
                return
            if redirect_at <= own_at:
                at, _, r = heapq.heappop(self._queue)
                yield self._send(
                    at, r.sender, r.service, r.family, r.needs, r.urgency, None, r.consent,
                    r.parent_id, r.depth,
                )  # fmt: skip
            else:
                at, _, r = heapq.heappop(self._own_queue)
                yield self._send(
                    at, r.sender, r.service, r.family, r.needs, r.urgency, r.place, r.consent,
                    None, 0, own=True,
                )  # fmt: skip

    def _family(self, sender: Organization, t: int) -> _Family:
        rng = self.rng
        known = self._families[sender.index]
        u = rng.random()
        if known and u < self.params.family_reuse:
            return known[rng.randrange(len(known))]
        coverage = sender.coverage
        territory = coverage[0] if len(coverage) == 1 else coverage[rng.randrange(len(coverage))]
        nearby = self._neighbours.setdefault(territory, [])
        if nearby and u < self.params.family_reuse + 0.03:
            family = nearby[rng.randrange(len(nearby))]  # met by another organization
            if all(f is not family for f in known):
                _remember(rng, known, family, _FAMILY_MEMORY)
            return family
        family = _Family(self.ids.new(), territory)
        _remember(rng, known, family, _FAMILY_MEMORY)
        _remember(rng, nearby, family, _TERRITORY_MEMORY)
        return family

    def _ref(self, org: Organization, family: _Family, t: int) -> str:
        """``org``'s own opaque reference for ``family``, e.g. ``F-2024-00123``."""
        ref = family.refs.get(org.index)
        if ref is None:
            year = int(self.clock.format_date(t)[:4])
            number = self._refs.get((org.index, year), 0) + 1
            self._refs[org.index, year] = number
            ref = family.refs[org.index] = f"F-{year}-{number:05d}"
        return ref

    def _need(self, sender: Organization) -> str:
        table = self._needs.get(sender.index)
        if table is None:
            served = self._served[sender.index]
            needs = [n for n, _ in self.prevalence]
            weights = [
                w * self._season.get(n, 1.0) * (0.3 if n in served else 1.0)
                for n, w in self.prevalence
            ]
            table = (needs, list(_running(weights)))
            self._needs[sender.index] = table
        needs, cumulative = table
        return needs[bisect.bisect_right(cumulative, self.rng.random() * cumulative[-1])]


def _remember(rng: random.Random, memory: list[_Family], family: _Family, size: int) -> None:
    if len(memory) < size:
        memory.append(family)
    else:
        memory[rng.randrange(size)] = family


def _running(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    u = rng.random()
    for value, weight in options:
        u -= weight
        if u < 0:
            return value
    return options[-1][0]
