"""The life of one referral, from SENT to its outcome (DESIGN.md §4).

::

    SENT ─► ACKNOWLEDGED ─► ACCEPTED ─► CONTACTED ─► COMPLETED | NO_SHOW
      │          ├─► DECLINED(reason)
      │          └─► REDIRECTED
      ├─► EXPIRED      (no acknowledgement before acknowledgeBy; the system)
      └─► CANCELLED    (the sender, from any non-terminal state)

Delays are log-normal and land in office hours: the median acknowledgement
takes about a day. Whether the receiver accepts depends on the service's
availability when it decides, on whether the service addresses the need and
on whether the family lives in the service's territories. Steps past the end
of the period are cut, leaving the referral open; steps past the closure of
either organization are cut and the sender cancels.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random

from domain.lifecycle import TERMINAL_STATUSES
from simulator._clock import DAY, HOUR, Clock
from simulator.directory import Service
from simulator.params import SimulationParams

__all__ = ["Lifecycle", "Step"]

_MINUTE = 60
_CANCEL_REASONS = (("FAMILY_DECLINED", 0.5), ("DUPLICATE", 0.2), ("OTHER", 0.3))
# Other decline reasons, tried after capacity and fit: (reason, rate).
_OTHER_DECLINES = (
    ("FAMILY_UNREACHABLE", 0.02),
    ("FAMILY_DECLINED", 0.02),
    ("DUPLICATE", 0.004),
    ("OTHER", 0.008),
)
_URGENCY_SPEED = {"ROUTINE": 1.0, "PRIORITY": 0.8, "URGENT": 0.5}


@dataclasses.dataclass(slots=True)
class Step:
    """One event: its type (also the status after it), time, actor and reason.

    ``actor`` is "sender", "receiver" or None for the system.
    """

    type: str
    at: int
    actor: str | None
    reason: str | None = None


class Lifecycle:
    """Draws the steps of referrals."""

    def __init__(self, params: SimulationParams, clock: Clock, rng: random.Random) -> None:
        self.params, self.clock, self.rng = params, clock, rng
        self.no_capacity = dict(params.no_capacity_rates)
        self.ack_log_median = math.log(params.ack_median_hours * HOUR)

    def steps(
        self,
        sent_at: int,
        acknowledge_by: int,
        service: Service,
        need: str,
        territory: int,
        urgency: str,
        ack_probability: float,
        ack_speed: float,
        deadline: int,
        may_redirect: bool,
    ) -> list[Step]:
        """The referral's steps, in time order, cut at ``deadline``.

        ``deadline`` is the end of the period or, if earlier, the closure of
        the sender or the receiver.
        """
        rng = self.rng
        steps = [Step("SENT", sent_at, "sender")]
        ack_at = self._acknowledgement(sent_at, urgency, ack_probability, ack_speed)
        if ack_at is not None and ack_at >= acknowledge_by:
            # The overdue reminder: some receivers act on it before the deadline.
            ack_at = None
            if rng.random() < self.params.reminder_response:
                last_chance = self.clock.last_office_moment(acknowledge_by, rng)
                ack_at = last_chance if last_chance > sent_at + _MINUTE else None
        if ack_at is None:
            steps.append(Step("EXPIRED", acknowledge_by + rng.randint(_MINUTE, HOUR), None))
        else:
            steps.append(Step("ACKNOWLEDGED", ack_at, "receiver"))
            self._decide(steps, service, need, territory, may_redirect)
        _order(steps)
        if rng.random() < self.params.cancel_rate:
            self._cancel(steps, sent_at + int(math.exp(rng.gauss(math.log(4 * DAY), 0.8))))
        if steps[-1].at >= deadline:
            self._cut(steps, deadline)
        return steps

    def _acknowledgement(
        self, sent_at: int, urgency: str, ack_probability: float, ack_speed: float
    ) -> int | None:
        rng = self.rng
        if rng.random() >= ack_probability:
            return None
        median = self.ack_log_median + math.log(ack_speed * _URGENCY_SPEED[urgency])
        delay = int(math.exp(rng.gauss(median, self.params.ack_sigma)))
        return self.clock.office_time(sent_at + delay, rng)

    def _decide(
        self, steps: list[Step], service: Service, need: str, territory: int, may_redirect: bool
    ) -> None:
        rng, params = self.rng, self.params
        ack_at = steps[-1].at
        state = service.availability_at(ack_at)
        if need not in service.needs:
            cause, misfit, redirect = "SERVICE_NOT_ADAPTED", params.not_adapted_decline, 0.3
        elif territory not in service.territories:
            cause, misfit, redirect = "OUT_OF_TERRITORY", params.out_of_territory_decline, 0.15
        else:
            cause, misfit, redirect = None, 0.0, params.redirect_rate
        u = rng.random()
        decision: tuple[str, str | None] = ("ACCEPTED", None)
        for outcome, rate in (
            (("DECLINED", "NO_CAPACITY"), self.no_capacity.get(state, 0.0)),
            (("DECLINED", cause), misfit),
            (("REDIRECTED", cause), redirect),
            (("DECLINED", "NOT_ELIGIBLE"), params.not_eligible_rate),
            *((("DECLINED", reason), rate) for reason, rate in _OTHER_DECLINES),
        ):
            u -= rate
            if u < 0:
                decision = outcome
                break
        kind, reason = decision
        if kind == "REDIRECTED" and not may_redirect:
            kind, reason = "DECLINED", reason or "OTHER"
        if kind != "ACCEPTED" and rng.random() < 0.4:
            at = ack_at + rng.randint(_MINUTE, 30 * _MINUTE)  # declined on reading it
        else:
            at = self._later(ack_at, 5 * HOUR, 1.0)
        steps.append(Step(kind, at, "receiver", reason))
        if kind != "ACCEPTED":
            return
        waiting = 3.0 if state == "WAITLIST" else 1.0
        contacted = self._later(at, int(2.5 * DAY * waiting), 0.8)
        steps.append(Step("CONTACTED", contacted, "receiver"))
        if rng.random() < params.no_show_rate:
            steps.append(Step("NO_SHOW", self._later(contacted, 7 * DAY, 0.6), "receiver"))
        else:
            steps.append(Step("COMPLETED", self._later(contacted, 21 * DAY, 0.7), "receiver"))

    def _later(self, t: int, median: int, sigma: float) -> int:
        """An office-hours moment a log-normal delay after ``t``."""
        rng = self.rng
        return self.clock.office_time(t + int(math.exp(rng.gauss(math.log(median), sigma))), rng)

    def _cancel(self, steps: list[Step], at: int) -> None:
        """The sender cancels at ``at`` if the referral is still open then."""
        if at >= steps[-1].at:
            return
        kept = [s for s in steps if s.at < at]
        reason = _pick(self.rng, _CANCEL_REASONS)
        steps[:] = [*kept, Step("CANCELLED", max(at, kept[-1].at + _MINUTE), "sender", reason)]

    def _cut(self, steps: list[Step], deadline: int) -> None:
        """Drop steps at or after ``deadline``; close the referral if an organization closes."""
        kept = [s for s in steps if s.at < deadline]
        if deadline < self.clock.end and kept[-1].type not in _TERMINAL:
            gap = deadline - kept[-1].at
            at = kept[-1].at + max(1, min(gap - 1, int(gap * self.rng.uniform(0.5, 0.95))))
            kept.append(Step("CANCELLED", at, "sender", "OTHER"))
        steps[:] = kept


_TERMINAL = frozenset(s.value for s in TERMINAL_STATUSES)


def _order(steps: list[Step]) -> None:
    """Make times strictly increasing (a minute apart at least)."""
    for previous, step in itertools.pairwise(steps):
        if step.at <= previous.at:
            step.at = previous.at + _MINUTE


def _pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    u = rng.random()
    for value, weight in options:
        u -= weight
        if u < 0:
            return value
    return options[-1][0]
