"""GraphQL types of the presence log and its analytics (definitions: analytics.presence)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from domain import vocabulary as v
from schema.types import Place, PlaceKind

__all__ = [
    "DeclinedCount",
    "MonthPresence",
    "NeedCount",
    "NewPlaceInput",
    "OrganizationPresence",
    "PlaceKindPresence",
    "PlacePresence",
    "PresenceAnalytics",
    "PresenceChangesInput",
    "PresenceEntry",
    "PresenceYield",
    "RecordPresenceInput",
]

_SUPPRESSED = "; null when suppressed (researchers: 1 to 4)"


@strawberry.type(description="One outreach visit: counts and need codes only, never family data.")
class PresenceEntry:
    id: strawberry.ID
    date: date
    hours: float
    contacts: int = strawberry.field(description="Families met.")
    first_contacts: int = strawberry.field(description="Families met for the first time.")
    need_codes: list[str] = strawberry.field(description="Needs heard (codes of 'need').")
    warm_handoffs: int = strawberry.field(description="Families accompanied to a service.")
    organization_id: strawberry.ID
    place: Place
    logged_by: strawberry.ID | None = strawberry.field(description="The worker's user id.")
    recorded_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PresenceEntry:
        recorded = row.get("recordedAt")
        return cls(
            id=strawberry.ID(row["id"]),
            date=date.fromisoformat(row["date"]),
            hours=float(row["hours"]),
            contacts=int(row.get("contacts") or 0),
            first_contacts=int(row.get("firstContacts") or 0),
            need_codes=list(row.get("needsHeard") or []),
            warm_handoffs=int(row.get("warmHandoffs") or 0),
            organization_id=strawberry.ID(row["organizationId"]),
            place=Place.from_row(row["place"]),
            logged_by=row.get("by"),
            recorded_at=recorded.to_native() if recorded is not None else None,
        )


@strawberry.input(description="A place not yet in the directory, created with the visit.")
class NewPlaceInput:
    name: str
    kind: PlaceKind
    territory_id: strawberry.ID | None = None


@strawberry.input(description="A visit to log: give placeId or newPlace.")
class RecordPresenceInput:
    organization_id: strawberry.ID
    date: date
    hours: float
    contacts: int = strawberry.field(description="Families met.")
    first_contacts: int = 0
    need_codes: list[str] = strawberry.field(default_factory=list)
    warm_handoffs: int = 0
    place_id: strawberry.ID | None = None
    new_place: NewPlaceInput | None = None


@strawberry.input(description="What to change in a visit; omitted fields stay as they are.")
class PresenceChangesInput:
    date: date | None = None
    hours: float | None = None
    contacts: int | None = None
    first_contacts: int | None = None
    need_codes: list[str] | None = None
    warm_handoffs: int | None = None


@strawberry.type
class DeclinedCount:
    reason: str
    count: int | None


@strawberry.type
class NeedCount:
    need_code: str
    count: int | None


@strawberry.interface(description="Volume of presence and of the referrals it originated.")
class PresenceVolume:
    visits: int
    hours: float
    contacts: int | None = strawberry.field(description="Families met" + _SUPPRESSED)
    first_contacts: int | None = strawberry.field(description="First meetings" + _SUPPRESSED)
    warm_handoffs: int | None
    contacts_per_hour: float | None
    first_contacts_per_hour: float | None
    referrals: int | None = strawberry.field(description="Referrals originated" + _SUPPRESSED)
    referrals_per_hour: float | None
    completed: int | None
    declined: list[DeclinedCount]


@strawberry.type(description="Presence at one place (regularity: its most regular visitor).")
class PlacePresence(PresenceVolume):
    place_id: strawberry.ID
    name: str | None = strawberry.field(description="Null for de-identified callers.")
    kind: PlaceKind
    territory_id: strawberry.ID | None
    organizations: int
    weeks: int
    weeks_with_presence: int
    share_of_weeks: float | None
    longest_gap_weeks: int
    visits_per_month: float | None
    trust_lag_weeks: int | None = strawberry.field(
        description="Weeks from the first regular presence (3 of 4 weeks) to the first referral."
    )
    needs_without_open_service: list[NeedCount]


@strawberry.type
class PlaceKindPresence(PresenceVolume):
    kind: PlaceKind
    places: int


@strawberry.type(description="An organization's outreach: diversity and the seed's pitfalls.")
class OrganizationPresence(PresenceVolume):
    organization_id: strawberry.ID
    name: str | None = strawberry.field(description="Null for de-identified callers.")
    places: int
    place_kinds: int
    place_evenness: float | None = strawberry.field(description="Pielou's J of hours by place.")
    kind_evenness: float | None = strawberry.field(description="Pielou's J of hours by kind.")
    own_service_share: float | None = strawberry.field(
        description="Share of outreach referrals to organizations sharing its staff."
    )
    mostly_own_services: bool
    needs_heard_not_referred_share: float | None
    single_kind: bool


@strawberry.type
class MonthPresence(PresenceVolume):
    month: str


@strawberry.type(description="Referrals per hour by weeks of continuous presence.")
class PresenceYield:
    from_week: int
    to_week: int | None
    hours: float
    referrals: int | None
    referrals_per_hour: float | None


@strawberry.type(description="Presence analytics of a network's members over a window.")
class PresenceAnalytics:
    network_id: strawberry.ID
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    deidentified: bool
    places: list[PlacePresence]
    place_kinds: list[PlaceKindPresence]
    organizations: list[OrganizationPresence]
    months: list[MonthPresence]
    yield_by_continuous_weeks: list[PresenceYield]


VOLUME_FIELDS = (
    "visits", "hours", "contacts", "firstContacts", "warmHandoffs", "contactsPerHour",
    "firstContactsPerHour", "referrals", "referralsPerHour", "completed",
)  # fmt: skip


def place_kind(code: str) -> PlaceKind:
    """The GraphQL enum of a stored place kind."""
    return v.PlaceKind(code)
