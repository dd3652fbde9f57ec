"""One typed record per line of the interchange format (docs/interchange.md).

Records are plain dicts whose keys are exactly the interchange fields, in the
documented order, so they serialize straight to JSON Lines. The
:class:`Dataset` gathers a whole simulated dataset in memory.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypedDict

__all__ = [
    "FILES",
    "AvailabilityRecord",
    "Consent",
    "Dataset",
    "EventRecord",
    "MembershipRecord",
    "NetworkRecord",
    "OrganizationRecord",
    "PartnershipRecord",
    "PlaceRecord",
    "PlantedEvent",
    "PlantedPresenceRecord",
    "PresenceRecord",
    "ReferralRecord",
    "ServiceRecord",
    "TerritoryRecord",
]


class NetworkRecord(TypedDict):
    id: str
    name: str
    territoryCodes: list[str]
    ackDelayHours: int
    retentionDays: int


class TerritoryRecord(TypedDict):
    id: str
    code: str
    name: str


class PlaceRecord(TypedDict):
    id: str
    name: str
    kind: str
    territoryId: str


class OrganizationRecord(TypedDict):
    id: str
    name: str
    kind: str
    description: str
    languages: list[str]
    territoryId: str | None
    active: bool
    createdAt: str


class MembershipRecord(TypedDict):
    organizationId: str
    networkId: str
    since: str
    until: str | None


class ServiceRecord(TypedDict):
    id: str
    organizationId: str
    name: str
    description: str
    eligibility: str
    languages: list[str]
    availability: str
    needCodes: list[str]
    territoryIds: list[str]
    createdAt: str


class AvailabilityRecord(TypedDict):
    serviceId: str
    availability: str
    at: str


class PartnershipRecord(TypedDict):
    sourceId: str
    targetId: str
    kind: str
    since: str
    until: str | None


class PresenceRecord(TypedDict):
    organizationId: str
    placeId: str
    date: str
    hours: float
    contacts: int
    needsHeard: list[str]


class Consent(TypedDict):
    given: bool
    at: str
    method: str
    scope: str


class ReferralRecord(TypedDict):
    id: str
    senderId: str
    receiverId: str
    serviceId: str | None
    familyId: str
    familyRef: str
    needCodes: list[str]
    urgency: str
    placeId: str | None
    sentAt: str
    acknowledgeBy: str
    overrideAvailability: bool
    consent: Consent
    redirectedFromId: str | None
    idempotencyKey: str


class EventRecord(TypedDict):
    id: str
    referralId: str
    type: str
    status: str
    at: str
    actorOrganizationId: str | None
    reason: str | None
    comment: str | None


class PlantedEvent(TypedDict):
    """A ground-truth event of ``manifest.json`` (absent fields are null)."""

    kind: str
    organizationId: str | None
    partnerOrganizationId: str | None
    serviceId: str | None
    territoryId: str | None
    needCode: str | None
    start: str
    end: str | None
    expectedSignal: str
    details: dict[str, Any]


class PlantedPresenceRecord(TypedDict):
    """A ground-truth presence situation of ``manifest.json`` (absent fields are null)."""

    kind: str
    organizationId: str
    partnerOrganizationId: str | None
    placeId: str | None
    territoryId: str
    start: str
    end: str | None
    expectedSignal: str
    details: dict[str, Any]


# File name -> Dataset attribute, in the order files are written.
FILES: tuple[tuple[str, str], ...] = (
    ("networks.jsonl", "networks"),
    ("territories.jsonl", "territories"),
    ("places.jsonl", "places"),
    ("organizations.jsonl", "organizations"),
    ("memberships.jsonl", "memberships"),
    ("services.jsonl", "services"),
    ("availability.jsonl", "availability"),
    ("partnerships.jsonl", "partnerships"),
    ("presence.jsonl", "presence"),
    ("referrals.jsonl", "referrals"),
    ("events.jsonl", "events"),
)


@dataclasses.dataclass
class Dataset:
    """A whole simulated dataset: one list of records per interchange file.

    ``referrals`` are ordered by ``sentAt``; ``events`` are grouped by
    referral, in the referrals' order, each referral's events in time order.
    ``manifest`` is the content of ``manifest.json``.
    """

    networks: list[NetworkRecord]
    territories: list[TerritoryRecord]
    places: list[PlaceRecord]
    organizations: list[OrganizationRecord]
    memberships: list[MembershipRecord]
    services: list[ServiceRecord]
    availability: list[AvailabilityRecord]
    partnerships: list[PartnershipRecord]
    presence: list[PresenceRecord]
    referrals: list[ReferralRecord]
    events: list[EventRecord]
    manifest: dict[str, Any]

    def records(self, file_name: str) -> list[Any]:
        """The records of one interchange file, e.g. ``"events.jsonl"``."""
        for name, attribute in FILES:
            if name == file_name:
                records: list[Any] = getattr(self, attribute)
                return records
        raise KeyError(f"{file_name!r} is not an interchange file")
