"""Background availability of services: waiting lists and full periods.

Services are OPEN when created. From time to time one goes on a waiting list
for one to three months, more often daycares, or is FULL for a month or two;
receivers then decline more referrals for NO_CAPACITY (``lifecycle.py``) and
senders avoid FULL services (``routing.py``). The planted capacity shock is a
longer FULL period of a busy service (``planted.py``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

from simulator._clock import DAY, Clock
from simulator.params import SimulationParams

if TYPE_CHECKING:
    from simulator.directory import Service

__all__ = ["background_spells"]


def background_spells(
    params: SimulationParams, clock: Clock, rng: random.Random, services: Sequence[Service]
) -> None:
    """Add random WAITLIST and FULL periods to the services' availability history."""
    starts = clock.month_starts
    for service in services:
        childcare = "CHILDCARE" in service.needs
        waitlist = params.waitlist_spell_rate * (3.0 if childcare else 1.0)
        month = clock.month_index(service.created_at) + 1
        while month < params.months:
            u = rng.random()
            if u >= waitlist + params.full_spell_rate:
                month += 1
                continue
            state = "FULL" if u < params.full_spell_rate else "WAITLIST"
            length = rng.randint(1, 2 if state == "FULL" else 3)
            service.set_availability(starts[month] + rng.randint(0, 25 * DAY), state)
            end = min(params.months, month + length)
            if end < params.months:
                service.set_availability(starts[end] + rng.randint(0, 25 * DAY), "OPEN")
            month = end + 1
