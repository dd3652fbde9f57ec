"""GraphQL types of the directory: organizations, services, networks, places, needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, Optional, TypeVar, Union

import strawberry

from domain import vocabulary as v
from schema import analytics
from schema.analytics_types import (
    Breakdowns,
    Collaboration,
    CollaborationProfile,
    Evolution,
    FromDate,
    Period,
)
from schema.context import Info

__all__ = [
    "Maybe",
    "Membership",
    "Need",
    "Network",
    "Organization",
    "Partnership",
    "Place",
    "Service",
    "Territory",
    "enum_or_none",
    "native",
    "prefetched",
    "selected",
]

OrganizationKind = v.OrganizationKind
strawberry.enum(OrganizationKind, description="Kind of organization.")
Availability = v.Availability
strawberry.enum(Availability, description="Whether a service has room.")
PlaceKind = v.PlaceKind
strawberry.enum(PlaceKind, description="Kind of outreach place.")
PartnershipKind = v.PartnershipKind
strawberry.enum(PartnershipKind, description="Kind of declared partnership.")
OrgRole = v.OrgRole
strawberry.enum(OrgRole, description="A user's role in an organization.")


def native(value: Any) -> Any:
    """Neo4j temporal values to Python ones (``to_native``); others unchanged."""
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


def selected(row: dict[str, Any], key: str) -> Any:
    """``row[key]``, or None when the field was not selected (and so is never resolved)."""
    return row.get(key)


def enum_or_none(kind: Any, value: Any) -> Any:
    """``kind(value)``, or None when the row does not carry the field (it was not selected)."""
    return None if value is None else kind(value)


# A row from graph/directory/reads.py carries only the selected fields: an attribute of a
# field that was not selected stays None and is never resolved. Related records selected
# with it come nested in the row (prefetched); other rows go through the loaders.

T = TypeVar("T")
X = TypeVar("X")
#: What a relation's resolver returns: the value at once, or an awaitable of it.
Maybe = Union[T, Awaitable[T]]  # noqa: UP007 (a generic alias needs Union)


def prefetched(
    row: dict[str, Any], key: str, load: Callable[[], Awaitable[X]], make: Callable[[X], T]
) -> Maybe[T]:
    """``make(row[key])`` when the query brought the relation, else an awaitable via ``load``.

    The resolvers of relations are plain functions: graphql-core awaits what
    they return only when it is awaitable, so a prefetched relation costs no
    coroutine, no task and no gather per record (most of a page's overhead).
    """
    if key in row:
        return make(row[key])

    async def later() -> T:
        return make(await load())

    return later()


def _organization(row: dict[str, Any] | None) -> Organization | None:
    return None if row is None else Organization.from_row(row)


def _needs(rows: list[dict[str, Any]]) -> list[Need]:
    return [Need.from_row(r) for r in rows]


def _territories(rows: list[dict[str, Any]]) -> list[Territory]:
    return [Territory.from_row(r) for r in rows]


def _services(rows: list[dict[str, Any]]) -> list[Service]:
    return [Service.from_row(r) for r in rows]


LazyOrganization = Annotated["Organization", strawberry.lazy("schema.types")]


@strawberry.type(description="A term of the need taxonomy, labelled in French and English.")
class Need:
    id: strawberry.ID
    code: str
    label_fr: str
    label_en: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Need:
        return cls(
            id=selected(row, "id"),
            code=row["code"],
            label_fr=selected(row, "labelFr"),
            label_en=selected(row, "labelEn"),
        )


@strawberry.type(description="A neighbourhood or local service area.")
class Territory:
    id: strawberry.ID
    code: str
    name: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Territory:
        return cls(
            id=row["id"],
            code=selected(row, "code"),
            name=selected(row, "name"),
        )


@strawberry.type(description="A place where outreach workers meet families.")
class Place:
    id: strawberry.ID
    name: str
    kind: PlaceKind
    territory_id: strawberry.ID | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Place:
        return cls(
            id=row["id"],
            name=row["name"],
            kind=v.PlaceKind(row["kind"]),
            territory_id=row.get("territoryId"),
        )


@strawberry.type(description="A dated change of a service's availability.")
class AvailabilityChange:
    availability: Availability
    at: datetime


@strawberry.type
class Service:
    id: strawberry.ID
    name: str
    description: str | None
    eligibility: str | None
    languages: list[str]
    availability: Availability
    availability_changed_at: datetime | None
    created_at: datetime
    organization_id: strawberry.ID
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Service:
        return cls(
            id=row["id"],
            name=selected(row, "name"),
            description=row.get("description"),
            eligibility=row.get("eligibility"),
            languages=list(row.get("languages") or []),
            availability=enum_or_none(v.Availability, row.get("availability")),
            availability_changed_at=native(row.get("availabilityChangedAt")),
            created_at=native(row.get("createdAt")),
            organization_id=selected(row, "organizationId"),
            _row=row,
        )

    @strawberry.field(graphql_type=Optional[LazyOrganization])  # noqa: UP045 (lazy type)
    def organization(self, info: Info) -> Maybe[Organization | None]:
        loader = info.context.loaders.organization
        return prefetched(
            self._row, "organization", lambda: loader.load(str(self.organization_id)), _organization
        )

    @strawberry.field(graphql_type=list[Need])
    def needs(self, info: Info) -> Maybe[list[Need]]:
        loader = info.context.loaders.needs_of_service
        return prefetched(self._row, "needs", lambda: loader.load(str(self.id)), _needs)

    @strawberry.field(graphql_type=list[Territory])
    def territories(self, info: Info) -> Maybe[list[Territory]]:
        loader = info.context.loaders.territories_of_service
        return prefetched(self._row, "territories", lambda: loader.load(str(self.id)), _territories)

    @strawberry.field(description="Every availability change, oldest first.")
    async def availability_history(self, info: Info) -> list[AvailabilityChange]:
        rows = await info.context.loaders.availability_history.load(str(self.id))
        return [
            AvailabilityChange(availability=v.Availability(r["availability"]), at=native(r["at"]))
            for r in rows
        ]


@strawberry.type(description="An organization's membership of a network, with its dates.")
class Membership:
    organization_id: strawberry.ID
    network_id: strawberry.ID
    since: date
    until: date | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Membership:
        return cls(
            organization_id=row["organizationId"],
            network_id=row["networkId"],
            since=native(row["since"]),
            until=native(row.get("until")),
        )

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        row = await info.context.loaders.organization.load(str(self.organization_id))
        return None if row is None else Organization.from_row(row)

    @strawberry.field
    async def network(self, info: Info) -> Network | None:
        row = await info.context.loaders.network.load(str(self.network_id))
        return None if row is None else Network.from_row(row)


@strawberry.type(description="A partnership declared between two organizations.")
class Partnership:
    id: strawberry.ID
    source_id: strawberry.ID
    target_id: strawberry.ID
    kind: PartnershipKind
    since: date
    until: date | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Partnership:
        return cls(
            id=row["id"],
            source_id=row["sourceId"],
            target_id=row["targetId"],
            kind=v.PartnershipKind(row["kind"]),
            since=native(row["since"]),
            until=native(row.get("until")),
        )

    @strawberry.field
    async def source(self, info: Info) -> Organization | None:
        row = await info.context.loaders.organization.load(str(self.source_id))
        return None if row is None else Organization.from_row(row)

    @strawberry.field
    async def target(self, info: Info) -> Organization | None:
        row = await info.context.loaders.organization.load(str(self.target_id))
        return None if row is None else Organization.from_row(row)


@strawberry.type
class Organization:
    id: strawberry.ID
    name: str
    kind: OrganizationKind
    description: str | None
    email: str | None
    phone: str | None
    website: str | None
    languages: list[str]
    active: bool
    territory_id: strawberry.ID | None
    created_at: datetime
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Organization:
        return cls(
            id=row["id"],
            name=selected(row, "name"),
            kind=enum_or_none(v.OrganizationKind, row.get("kind")),
            description=row.get("description"),
            email=row.get("email"),
            phone=row.get("phone"),
            website=row.get("website"),
            languages=list(row.get("languages") or []),
            active=bool(row.get("active", True)),
            territory_id=row.get("territoryId"),
            created_at=native(row.get("createdAt")),
            _row=row,
        )

    @strawberry.field(graphql_type=list[Service], description="Services offered, OPEN first.")
    def services(self, info: Info) -> Maybe[list[Service]]:
        loader = info.context.loaders.services_of_organization
        return prefetched(self._row, "services", lambda: loader.load(str(self.id)), _services)

    @strawberry.field
    async def memberships(self, info: Info) -> list[Membership]:
        rows = await info.context.loaders.memberships_of_organization.load(str(self.id))
        return [Membership.from_row(r) for r in rows]

    @strawberry.field(description="Its measures per period (its staff, coordinators, researchers).")
    async def collaboration_profile(
        self,
        info: Info,
        from_: FromDate,
        to: date,
        period: Period = Period.MONTH,
        network_id: strawberry.ID | None = None,
    ) -> CollaborationProfile:
        return await analytics.organization_profile(info, self.id, from_, to, period, network_id)


@strawberry.type(description="A coordinated territory or table de concertation.")
class Network:
    id: strawberry.ID
    name: str
    territory_codes: list[str]
    ack_delay_hours: int
    retention_days: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Network:
        return cls(
            id=row["id"],
            name=row["name"],
            territory_codes=list(row.get("territoryCodes") or []),
            ack_delay_hours=int(row.get("ackDelayHours") or 72),
            retention_days=int(row.get("retentionDays") or 90),
        )

    @strawberry.field(description="Memberships, current and past, newest first.")
    async def members(self, info: Info, current_only: bool = False) -> list[Membership]:
        rows = await info.context.loaders.members_of_network.load(str(self.id))
        memberships = [Membership.from_row(r) for r in rows]
        if current_only:
            today = date.today()
            memberships = [m for m in memberships if m.until is None or m.until >= today]
        return memberships

    @strawberry.field(description="Partnerships declared between members.")
    async def partnerships(self, info: Info) -> list[Partnership]:
        rows = await info.context.loaders.partnerships_of_network.load(str(self.id))
        return [Partnership.from_row(r) for r in rows]

    @strawberry.field(description="The referral graph and its measures per period.")
    async def collaboration(
        self, info: Info, from_: FromDate, to: date, period: Period = Period.MONTH
    ) -> Collaboration:
        return await analytics.network_collaboration(info, str(self.id), from_, to, period)

    @strawberry.field(description="Network measures and tie dynamics per period.")
    async def evolution(
        self, info: Info, from_: FromDate, to: date, period: Period = Period.MONTH
    ) -> Evolution:
        return await analytics.network_evolution(info, str(self.id), from_, to, period)

    @strawberry.field(description="Where referrals break down between from and to.")
    async def breakdowns(self, info: Info, from_: FromDate, to: date) -> Breakdowns:
        return await analytics.network_breakdowns(info, str(self.id), from_, to)


@strawberry.type(description="A code of a controlled vocabulary with its labels.")
class VocabularyTerm:
    code: str
    label_fr: str
    label_en: str
