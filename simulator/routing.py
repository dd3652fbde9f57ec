"""Choosing who receives a referral: locality, fit, attachment, reciprocity.

A sender looking for a service for a family's need, in order:

- asks a declared partner that offers the need (``partnership_preference``);
- returns the favour to an organization that referred to it (``reciprocity``);
- re-uses a receiver it already sent that need to, drawn from its past
  referrals so that busy pairs get busier (``preferential_attachment``);
- otherwise looks in the directory: a provider in the family's territory
  (``locality``) or elsewhere in the same network, weighted by the provider's
  attractiveness; where nobody offers the need, a generalist nearby (a CLSC
  or a family organization), which is how service gaps show up as declines.

Receivers must be operating, must not be the sender, must serve the family's
network, and the planted partnership pair exchanges nothing before it starts.
"""

from __future__ import annotations

import bisect
import random

from simulator.catalog import CLSC
from simulator.directory import Directory, Organization, Service
from simulator.params import SimulationParams
from simulator.partnerships import PartnerIndex
from simulator.planted import Planted

__all__ = ["Router"]

_HISTORY = 64  # past receivers remembered per sender and need
_INCOMING = 64  # past senders remembered per receiver


class _Table:
    """Services with cumulative weights, for weighted draws."""

    __slots__ = ("cumulative", "services")

    def __init__(self) -> None:
        self.services: list[Service] = []
        self.cumulative: list[float] = []

    def add(self, service: Service, weight: float) -> None:
        self.services.append(service)
        self.cumulative.append((self.cumulative[-1] if self.cumulative else 0.0) + weight)

    def draw(self, rng: random.Random) -> Service:
        i = bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.services[min(i, len(self.services) - 1)]


class Router:
    """Chooses receivers and remembers who referred to whom."""

    def __init__(
        self,
        params: SimulationParams,
        directory: Directory,
        partners: PartnerIndex,
        planted: Planted,
        rng: random.Random,
    ) -> None:
        self.params, self.directory, self.partners, self.rng = params, directory, partners, rng
        self.orgs = directory.organizations
        self.blocked = frozenset(planted.blocked) if planted.blocked else frozenset()
        self.blocked_until = planted.blocked_until
        self.month = 0
        self._history: dict[tuple[int, str], list[Service]] = {}
        self._incoming: list[list[int]] = [[] for _ in self.orgs]
        self._offers: dict[tuple[int, str], list[Service]] = {}
        self._groups: list[frozenset[int]] = []
        for service in directory.services:
            for need in service.needs:
                self._offers.setdefault((service.org, need), []).append(service)
            self._groups.append(frozenset(directory.group_of(t) for t in service.territories))
        self._local: dict[tuple[str, int], _Table] = {}
        self._network: dict[tuple[str, int], _Table] = {}
        self._generalists: dict[int, _Table] = {}

    def new_month(self, month: int, t: int) -> None:
        """Rebuild the directory tables for organizations operating in ``month``."""
        self.month = month
        self._local, self._network, self._generalists = {}, {}, {}
        for service in self.directory.services:
            org = self.orgs[service.org]
            if org.joins > month or not org.active_at(t):
                continue
            weight = org.attractiveness
            generalist = org.profile is CLSC or org.kind == "COMMUNITY"
            for territory in service.territories:
                for need in service.needs:
                    self._local.setdefault((need, territory), _Table()).add(service, weight)
                if generalist:
                    self._generalists.setdefault(territory, _Table()).add(service, weight)
            for group in self._groups[service.index]:
                for need in service.needs:
                    self._network.setdefault((need, group), _Table()).add(service, weight)

    def choose(
        self, sender: Organization, need: str, territory: int, t: int, exclude: int = -1
    ) -> Service | None:
        """A service for a family of ``territory`` with ``need``, or None if none fits.

        ``exclude`` is an organization that must not receive (the original
        sender of a redirected referral).
        """
        rng, params = self.rng, self.params
        for attempt in range(6):
            service = self._draw(sender, need, territory, t, social=attempt < 3)
            if service is None or not self._valid(sender, service, territory, t, exclude):
                continue
            if service.availability_at(t) == "FULL" and rng.random() < params.avoid_full:
                continue
            return service
        return None

    def record(self, sender: Organization, service: Service, need: str) -> None:
        """Remember that ``sender`` referred to ``service`` for ``need``."""
        rng = self.rng
        history = self._history.setdefault((sender.index, need), [])
        if len(history) < _HISTORY:
            history.append(service)
        else:  # forget an old tie at random: attachment with some decay
            history[rng.randrange(_HISTORY)] = service
        incoming = self._incoming[service.org]
        if len(incoming) < _INCOMING:
            incoming.append(sender.index)
        else:
            incoming[rng.randrange(_INCOMING)] = sender.index

    def _draw(
        self, sender: Organization, need: str, territory: int, t: int, social: bool
    ) -> Service | None:
        rng, params = self.rng, self.params
        service: Service | None = None
        if social:
            u = rng.random()
            u -= params.partnership_preference
            if u < 0:
                offers = [
                    s
                    for o in self.partners.partners(sender.index, t)
                    for s in self._offered(o, need)
                ]
                service = rng.choice(offers) if offers else None
            elif u < params.reciprocity:
                incoming = self._incoming[sender.index]
                offers = self._offered(rng.choice(incoming), need) if incoming else []
                service = rng.choice(offers) if offers else None
            elif u < params.reciprocity + params.preferential_attachment:
                history = self._history.get((sender.index, need))
                service = rng.choice(history) if history else None
        if service is not None:
            return service
        local = self._local.get((need, territory))
        if local is not None and rng.random() < params.locality:
            return local.draw(rng)
        network = self._network.get((need, self.directory.group_of(territory)))
        if network is not None and (local is not None or rng.random() < 0.7):
            return network.draw(rng)
        generalists = self._generalists.get(territory)
        return generalists.draw(rng) if generalists is not None else None

    def _offered(self, org: int, need: str) -> list[Service]:
        return self._offers.get((org, need), [])

    def _valid(
        self, sender: Organization, service: Service, territory: int, t: int, exclude: int
    ) -> bool:
        receiver = self.orgs[service.org]
        if receiver.index in (sender.index, exclude):
            return False
        if receiver.joins > self.month or not receiver.active_at(t):
            return False
        if self.directory.group_of(territory) not in self._groups[service.index]:
            return False
        return not (
            t < self.blocked_until
            and sender.index in self.blocked
            and receiver.index in self.blocked
        )
