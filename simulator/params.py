"""Simulation parameters and the three presets (demo, medium, large).

Every knob that shapes the simulated network lives in one frozen dataclass,
:class:`SimulationParams`, so a dataset can be regenerated from its manifest
(which records the parameters next to the seed). Defaults describe the *demo*
region; :data:`PRESETS` scales it up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

from domain.vocabulary import NEEDS, OrganizationKind

__all__ = ["DEMO", "LARGE", "MEDIUM", "PRESETS", "SimulationParams", "preset"]


@dataclasses.dataclass(frozen=True)
class SimulationParams:
    """What the simulated region looks like and how its organizations behave.

    Sizes
    -----
    preset: name recorded in the manifest ("custom" unless built by :func:`preset`).
    organizations: exact number of organizations (60).
    territories: number of neighbourhoods / local service areas (4).
    territories_per_network: territories per *table de concertation* (2); one
        network per group of territories, so 4 territories make 2 networks.
    months: length of the simulated period (24).
    referrals: target number of referrals over the period (~5,000; redirects included).
    start_date: first day of the simulation, 00:00 UTC (2024-01-01).

    Directory
    ---------
    kind_shares: share of each organization kind; COMMUNITY (family
        organizations) most common, then schools and daycares.
    late_joiner_share: organizations joining the platform during the first two
        thirds of the period rather than before it starts (0.15).
    partnerships_per_organization: mean declared partnerships per organization (0.8).

    Referral routing
    ----------------
    need_prevalence: relative frequency of the needs outreach workers hear.
    seasonality: relative monthly volume, January..December; peak at the
        back-to-school month of September, trough in December.
    yearly_growth: volume growth per year as the platform is adopted (0.15).
    locality: probability of choosing a provider in the family's own territory
        when one exists (0.9).
    preferential_attachment: probability of re-using a past receiver for the
        same need, which makes busy pairs busier (0.55).
    reciprocity: probability of referring to an organization that referred to
        the sender before (0.10).
    partnership_preference: probability of choosing a declared partner that
        offers the need (0.20).
    avoid_full: probability that a sender who sees a FULL service picks another
        one (0.6); the rest send with ``overrideAvailability``.
    family_reuse: share of referrals for a family the sender referred before (0.15).
    second_need_share: share of referrals carrying a second need (0.20).
    place_share: share of an outreach organization's referrals that originate
        at one of its outreach places (0.6).

    Lifecycle
    ---------
    ack_delay_hours: the network's acknowledgement SLA (72); ``acknowledgeBy``
        is ``sentAt`` plus this.
    retention_days: the network's contact retention (90), recorded only.
    ack_probability: mean probability that a receiver acknowledges at all (0.96).
    ack_median_hours: median hours to acknowledge before office hours are
        applied (20); log-normal with ``ack_sigma`` (0.7).
    reminder_response: probability that a receiver who would miss
        ``acknowledgeBy`` acts on the reminder and acknowledges in its last
        office hours before it (0.6).
    no_capacity_rates: probability of a NO_CAPACITY decline by service
        availability (OPEN 0.03, WAITLIST 0.30, FULL 0.85, CLOSED 0.95).
    not_eligible_rate, redirect_rate, no_show_rate, cancel_rate: base rates of
        those outcomes (0.05, 0.04, 0.15, 0.03).
    out_of_territory_decline: decline rate when the family lives outside the
        service's territories (0.40).
    not_adapted_decline: decline rate when the service does not address the
        need (0.55).
    waitlist_spell_rate, full_spell_rate: monthly chance that a service goes on
        a waiting list (0.02) or is full (0.004) for a while.

    Planted events
    --------------
    planted: plant the five ground-truth events and the three presence
        situations of the manifest (True).
    capacity_shock_start: where the capacity shock starts, as a fraction of the
        period (0.3); it lasts ``capacity_shock_months`` (4).
    black_hole_ack_probability: acknowledgement probability of the black-hole
        receiver (0.08).
    partnership_start: fraction of the period at which the planted partnership
        is declared (0.5).
    broker_closure: fraction of the period at which the broker closes (0.7).
    regular_presence_start: fraction of the period at which the planted weekly
        presence at a new place starts (0.25); see ``planted_presence.py``.
    self_referral_share: share of the planted self-referrer's referrals from
        places that go to its sister organization's services (0.85).
    """

    preset: str = "custom"
    organizations: int = 60
    territories: int = 4
    territories_per_network: int = 2
    months: int = 24
    referrals: int = 5_000
    start_date: date = date(2024, 1, 1)

    kind_shares: tuple[tuple[str, float], ...] = (
        ("COMMUNITY", 0.32),
        ("SCHOOL", 0.14),
        ("CHILDCARE", 0.14),
        ("FOOD_SECURITY", 0.09),
        ("HEALTH_SOCIAL_SERVICES", 0.07),
        ("EMPLOYMENT", 0.07),
        ("HOUSING", 0.06),
        ("MUNICIPAL", 0.06),
        ("OTHER", 0.05),
    )
    late_joiner_share: float = 0.15
    partnerships_per_organization: float = 0.8

    need_prevalence: tuple[tuple[str, float], ...] = (
        ("FOOD_SECURITY", 0.16),
        ("HOUSING", 0.12),
        ("PARENTING", 0.11),
        ("CHILD_DEVELOPMENT", 0.10),
        ("CHILDCARE", 0.09),
        ("EMPLOYMENT", 0.08),
        ("SOCIAL_ISOLATION", 0.08),
        ("HEALTH", 0.06),
        ("MENTAL_HEALTH", 0.05),
        ("INCOME", 0.05),
        ("IMMIGRATION_FRANCISATION", 0.05),
        ("EDUCATION", 0.03),
        ("LEGAL", 0.015),
        ("TRANSPORT", 0.015),
    )
    seasonality: tuple[float, ...] = (
        0.95, 1.00, 1.05, 1.00, 1.00, 0.95, 0.75, 0.85, 1.40, 1.15, 1.05, 0.70,
    )  # fmt: skip
    yearly_growth: float = 0.15
    locality: float = 0.9
    preferential_attachment: float = 0.55
    reciprocity: float = 0.10
    partnership_preference: float = 0.20
    avoid_full: float = 0.6
    family_reuse: float = 0.15
    second_need_share: float = 0.20
    place_share: float = 0.6

    ack_delay_hours: int = 72
    retention_days: int = 90
    ack_probability: float = 0.96
    ack_median_hours: float = 20.0
    ack_sigma: float = 0.7
    reminder_response: float = 0.6
    no_capacity_rates: tuple[tuple[str, float], ...] = (
        ("OPEN", 0.03),
        ("WAITLIST", 0.30),
        ("FULL", 0.85),
        ("CLOSED", 0.95),
    )
    not_eligible_rate: float = 0.05
    redirect_rate: float = 0.04
    no_show_rate: float = 0.15
    cancel_rate: float = 0.03
    out_of_territory_decline: float = 0.40
    not_adapted_decline: float = 0.55
    waitlist_spell_rate: float = 0.02
    full_spell_rate: float = 0.004

    planted: bool = True
    capacity_shock_start: float = 0.3
    capacity_shock_months: int = 4
    black_hole_ack_probability: float = 0.08
    partnership_start: float = 0.5
    broker_closure: float = 0.7
    regular_presence_start: float = 0.25
    self_referral_share: float = 0.85

    def __post_init__(self) -> None:
        groups = self.territories // max(1, self.territories_per_network)
        problems: list[str] = []
        if self.territories < 1 or self.territories_per_network < 1:
            problems.append("territories and territories_per_network must be at least 1")
        if self.organizations < 4 * self.territories + 2 * max(1, groups):
            problems.append(
                f"organizations={self.organizations} is too few for {self.territories} "
                f"territories; use at least {4 * self.territories + 2 * max(1, groups)}"
            )
        if self.planted and groups < 2:
            problems.append(
                "planted events need two networks to bridge: set territories to at least "
                f"2 * territories_per_network ({2 * self.territories_per_network}) "
                "or planted=False"
            )
        if self.months < 6:
            problems.append(f"months={self.months} is too short; use at least 6")
        if self.referrals < 0:
            problems.append("referrals must not be negative")
        if len(self.seasonality) != 12:
            problems.append("seasonality needs 12 monthly factors, January to December")
        unknown_kinds = {k for k, _ in self.kind_shares} - {k.value for k in OrganizationKind}
        unknown_needs = {n for n, _ in self.need_prevalence} - set(NEEDS)
        if unknown_kinds or unknown_needs:
            problems.append(f"unknown codes: {sorted(unknown_kinds | unknown_needs)}")
        for name in (
            "capacity_shock_start", "partnership_start", "broker_closure", "regular_presence_start",
        ):  # fmt: skip
            if not 0.05 <= getattr(self, name) <= 0.95:
                problems.append(f"{name} must be a fraction of the period in [0.05, 0.95]")
        if not 0.0 <= self.self_referral_share <= 1.0:
            problems.append("self_referral_share must be a probability in [0, 1]")
        if problems:
            raise ValueError("invalid SimulationParams: " + "; ".join(problems))

    @property
    def networks(self) -> int:
        """Number of networks (*tables de concertation*), one per territory group."""
        return max(1, self.territories // self.territories_per_network)

    def month_of(self, fraction: float) -> int:
        """Month index (0-based) at a fraction of the period."""
        return min(self.months - 1, max(1, round(fraction * self.months)))

    def to_json(self) -> dict[str, Any]:
        """The parameters as JSON-ready data.

        Dates become ISO strings, (code, weight) pairs objects, other tuples lists.
        """
        data: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple) and value and isinstance(value[0], tuple):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            data[field.name] = value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SimulationParams:
        """Parameters back from :meth:`to_json` (e.g. a manifest's ``params``)."""
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if field.name not in data:
                continue
            value, default = data[field.name], field.default
            if isinstance(default, date):
                value = date.fromisoformat(value)
            elif isinstance(value, dict):
                value = tuple(value.items())
            elif isinstance(value, list):
                value = tuple(value)
            values[field.name] = value
        return cls(**values)


DEMO = SimulationParams(preset="demo")
MEDIUM = SimulationParams(
    preset="medium",
    organizations=400,
    territories=8,
    territories_per_network=4,
    months=36,
    referrals=100_000,
)
LARGE = SimulationParams(
    preset="large",
    organizations=2_000,
    territories=12,
    territories_per_network=4,
    months=36,
    referrals=1_000_000,
)

PRESETS: Mapping[str, SimulationParams] = MappingProxyType(
    {"demo": DEMO, "medium": MEDIUM, "large": LARGE}
)


def preset(name: str) -> SimulationParams:
    """Return the parameters of a named preset ("demo", "medium" or "large").

    Raises
    ------
    ValueError
        If the name is not a preset; the message lists the known ones.
    """
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(PRESETS)
        raise ValueError(f"unknown preset {name!r}; choose one of: {known}") from None
