"""Directory queries and mutations: thin resolvers over ``graph/`` and the policy table."""

from __future__ import annotations

from datetime import date

import strawberry

from domain import vocabulary as v
from domain.errors import NotFound
from graph.directory import networks as g_networks
from graph.directory import organizations as g_orgs
from graph.directory import reads
from graph.directory import services as g_services
from graph.validation import check_id
from schema.access import authorize
from schema.context import Info
from schema.pagination import Connection, offset_connection, page_window
from schema.policy import Scope
from schema.selection import connection_nodes, projection, selects
from schema.types import (
    Availability,
    Membership,
    Need,
    Network,
    Organization,
    OrganizationKind,
    Partnership,
    PartnershipKind,
    Place,
    PlaceKind,
    Service,
    Territory,
    VocabularyTerm,
)

__all__ = ["DirectoryMutation", "DirectoryQuery"]

VOCABULARIES: dict[str, list[str]] = {
    "organizationKind": [k.value for k in v.OrganizationKind],
    "availability": [k.value for k in v.Availability],
    "placeKind": [k.value for k in v.PlaceKind],
    "partnershipKind": [k.value for k in v.PartnershipKind],
    "referralStatus": [k.value for k in v.ReferralStatus],
    "declineReason": [k.value for k in v.DeclineReason],
    "urgency": [k.value for k in v.Urgency],
    "eventType": [k.value for k in v.EventType],
    "consentMethod": [k.value for k in v.ConsentMethod],
    "need": list(v.NEEDS),
}


@strawberry.input
class OrganizationFilter:
    network_id: strawberry.ID | None = None
    kind: OrganizationKind | None = None
    need_code: str | None = None
    territory_id: strawberry.ID | None = None
    search: str | None = None
    include_inactive: bool = False


@strawberry.input
class ServiceFilter:
    need_code: str | None = None
    territory_id: strawberry.ID | None = None
    availability: list[Availability] | None = None
    search: str | None = None
    organization_id: strawberry.ID | None = None


@strawberry.input
class CreateOrganizationInput:
    name: str
    kind: OrganizationKind
    description: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    languages: list[str] | None = None
    territory_id: strawberry.ID | None = None
    network_id: strawberry.ID | None = strawberry.field(
        default=None, description="Make it a member of this network from today."
    )


@strawberry.input
class UpdateOrganizationInput:
    name: str | None = None
    kind: OrganizationKind | None = None
    description: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    languages: list[str] | None = None
    territory_id: strawberry.ID | None = None


@strawberry.input
class CreateServiceInput:
    organization_id: strawberry.ID
    name: str
    need_codes: list[str]
    description: str | None = None
    eligibility: str | None = None
    languages: list[str] | None = None
    territory_ids: list[strawberry.ID] | None = None
    availability: Availability = v.Availability.OPEN


@strawberry.input
class UpdateServiceInput:
    name: str | None = None
    need_codes: list[str] | None = None
    description: str | None = None
    eligibility: str | None = None
    languages: list[str] | None = None
    territory_ids: list[strawberry.ID] | None = None


@strawberry.input
class CreateNetworkInput:
    name: str
    territory_codes: list[str] | None = None
    ack_delay_hours: int = 72
    retention_days: int = 90


def _enum_value(value: object) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _org_input(data: CreateOrganizationInput | UpdateOrganizationInput) -> g_orgs.OrganizationInput:
    return g_orgs.OrganizationInput(
        name=data.name,
        kind=_enum_value(data.kind),
        description=data.description,
        email=data.email,
        phone=data.phone,
        website=data.website,
        languages=data.languages,
        territory_id=None if data.territory_id is None else str(data.territory_id),
    )


async def _organization_networks(info: Info, organization_ids: list[str]) -> list[str]:
    networks: set[str] = set()
    for oid in organization_ids:
        for membership in await info.context.loaders.memberships_of_organization.load(oid):
            networks.add(membership["networkId"])
    return sorted(networks)


@strawberry.type
class DirectoryQuery:
    @strawberry.field
    async def organization(self, info: Info, id: strawberry.ID) -> Organization | None:
        authorize(info, "directory.read")
        row = await reads.organization_read(info.context.db, check_id(id, "id"), projection(info))
        return None if row is None else Organization.from_row(row)

    @strawberry.field(description="Organizations by name; filter by network, kind, need, place.")
    async def organizations(
        self,
        info: Info,
        filter: OrganizationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Organization]:
        authorize(info, "directory.read")
        skip, limit = page_window(first, after, info.context.settings.max_page_size)
        f = filter or OrganizationFilter()
        rows, total = await reads.organization_page(
            info.context.db,
            g_orgs.OrganizationFilter(
                network_id=None
                if f.network_id is None
                else check_id(f.network_id, "filter.networkId"),
                kind=_enum_value(f.kind),
                need_code=f.need_code,
                territory_id=None
                if f.territory_id is None
                else check_id(f.territory_id, "filter.territoryId"),
                search=f.search,
                include_inactive=f.include_inactive,
            ),
            connection_nodes(info),
            skip=skip,
            limit=limit,
            with_total=selects(info, "totalCount"),
        )
        return offset_connection(rows, total, skip, limit, Organization.from_row)

    @strawberry.field
    async def service(self, info: Info, id: strawberry.ID) -> Service | None:
        authorize(info, "directory.read")
        row = await info.context.loaders.service.load(check_id(id, "id"))
        return None if row is None else Service.from_row(row)

    @strawberry.field(
        description="Where can I refer this family for this need, here? OPEN first, then "
        "WAITLIST, then FULL and CLOSED."
    )
    async def services(
        self,
        info: Info,
        filter: ServiceFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Service]:
        authorize(info, "directory.read")
        skip, limit = page_window(first, after, info.context.settings.max_page_size)
        f = filter or ServiceFilter()
        rows, total = await reads.service_page(
            info.context.db,
            g_services.ServiceFilter(
                need_code=f.need_code,
                territory_id=None
                if f.territory_id is None
                else check_id(f.territory_id, "filter.territoryId"),
                availability=None if f.availability is None else [a.value for a in f.availability],
                search=f.search,
                organization_id=None
                if f.organization_id is None
                else check_id(f.organization_id, "filter.organizationId"),
            ),
            connection_nodes(info),
            skip=skip,
            limit=limit,
            with_total=selects(info, "totalCount"),
        )
        return offset_connection(rows, total, skip, limit, Service.from_row)

    @strawberry.field(description="The need taxonomy.")
    async def needs(self, info: Info) -> list[Need]:
        authorize(info, "directory.read")
        return [Need.from_row(r) for r in await g_networks.list_needs(info.context.db)]

    @strawberry.field
    async def territories(self, info: Info) -> list[Territory]:
        authorize(info, "directory.read")
        return [Territory.from_row(r) for r in await g_networks.list_territories(info.context.db)]

    @strawberry.field
    async def places(
        self, info: Info, territory_id: strawberry.ID | None = None, kind: PlaceKind | None = None
    ) -> list[Place]:
        authorize(info, "directory.read")
        rows = await g_networks.list_places(
            info.context.db,
            territory_id=None if territory_id is None else check_id(territory_id, "territoryId"),
            kind=_enum_value(kind),
        )
        return [Place.from_row(r) for r in rows]

    @strawberry.field
    async def network(self, info: Info, id: strawberry.ID) -> Network | None:
        authorize(info, "directory.read")
        row = await info.context.loaders.network.load(check_id(id, "id"))
        return None if row is None else Network.from_row(row)

    @strawberry.field
    async def networks(self, info: Info) -> list[Network]:
        authorize(info, "directory.read")
        return [Network.from_row(r) for r in await g_networks.list_networks(info.context.db)]

    @strawberry.field(description="French and English labels of a vocabulary's codes.")
    def vocabulary(self, info: Info, name: str) -> list[VocabularyTerm]:
        authorize(info, "directory.read")
        codes = VOCABULARIES.get(name)
        if codes is None:
            raise NotFound(
                f"No vocabulary {name!r}; use one of {', '.join(sorted(VOCABULARIES))}.",
                field="name",
            )
        return [
            VocabularyTerm(code=c, label_fr=v.label(c, "fr"), label_en=v.label(c, "en"))
            for c in codes
        ]


@strawberry.type
class DirectoryMutation:
    @strawberry.mutation
    async def create_organization(self, info: Info, input: CreateOrganizationInput) -> Organization:
        authorize(info, "organization.create")
        row = await g_orgs.create_organization(
            info.context.db,
            _org_input(input),
            network_id=None if input.network_id is None else str(input.network_id),
        )
        return Organization.from_row(row)

    @strawberry.mutation
    async def update_organization(
        self, info: Info, id: strawberry.ID, input: UpdateOrganizationInput
    ) -> Organization:
        oid = check_id(id, "id")
        authorize(info, "organization.update", Scope.of([oid]))
        return Organization.from_row(
            await g_orgs.update_organization(info.context.db, oid, _org_input(input))
        )

    @strawberry.mutation(description="Stop an organization from receiving referrals.")
    async def deactivate_organization(self, info: Info, id: strawberry.ID) -> Organization:
        oid = check_id(id, "id")
        authorize(info, "organization.deactivate", Scope.of([oid]))
        return Organization.from_row(await g_orgs.deactivate_organization(info.context.db, oid))

    @strawberry.mutation
    async def create_service(self, info: Info, input: CreateServiceInput) -> Service:
        oid = check_id(input.organization_id, "organizationId")
        authorize(info, "service.create", Scope.of([oid]))
        row = await g_services.create_service(
            info.context.db,
            g_services.ServiceInput(
                organization_id=oid,
                name=input.name,
                description=input.description,
                eligibility=input.eligibility,
                languages=input.languages,
                need_codes=input.need_codes,
                territory_ids=None
                if input.territory_ids is None
                else [str(t) for t in input.territory_ids],
                availability=input.availability.value,
            ),
            actor_user_id=info.context.caller.user_id,
        )
        return Service.from_row(row)

    @strawberry.mutation
    async def update_service(
        self, info: Info, id: strawberry.ID, input: UpdateServiceInput
    ) -> Service:
        sid = await _service_scope(info, id, "service.update")
        row = await g_services.update_service(
            info.context.db,
            sid,
            g_services.ServiceInput(
                name=input.name,
                description=input.description,
                eligibility=input.eligibility,
                languages=input.languages,
                need_codes=input.need_codes,
                territory_ids=None
                if input.territory_ids is None
                else [str(t) for t in input.territory_ids],
            ),
        )
        return Service.from_row(row)

    @strawberry.mutation(description="Open, waitlist, fill or close a service; kept in history.")
    async def set_service_availability(
        self, info: Info, id: strawberry.ID, availability: Availability
    ) -> Service:
        sid = await _service_scope(info, id, "service.setAvailability")
        row = await g_services.set_service_availability(
            info.context.db, sid, availability.value, actor_user_id=info.context.caller.user_id
        )
        return Service.from_row(row)

    @strawberry.mutation
    async def create_network(self, info: Info, input: CreateNetworkInput) -> Network:
        authorize(info, "network.create")
        row = await g_networks.create_network(
            info.context.db,
            name=input.name,
            territory_codes=input.territory_codes,
            ack_delay_hours=input.ack_delay_hours,
            retention_days=input.retention_days,
        )
        return Network.from_row(row)

    @strawberry.mutation
    async def add_network_member(
        self,
        info: Info,
        network_id: strawberry.ID,
        organization_id: strawberry.ID,
        since: date | None = None,
    ) -> Membership:
        nid = check_id(network_id, "networkId")
        authorize(info, "network.manageMembers", Scope.of(networks=[nid]))
        row = await g_networks.add_network_member(
            info.context.db, network_id=nid, organization_id=str(organization_id), since=since
        )
        return Membership.from_row(row)

    @strawberry.mutation
    async def end_network_membership(
        self,
        info: Info,
        network_id: strawberry.ID,
        organization_id: strawberry.ID,
        until: date | None = None,
    ) -> Membership:
        nid = check_id(network_id, "networkId")
        authorize(info, "network.manageMembers", Scope.of(networks=[nid]))
        row = await g_networks.end_network_membership(
            info.context.db, network_id=nid, organization_id=str(organization_id), until=until
        )
        return Membership.from_row(row)

    @strawberry.mutation
    async def declare_partnership(
        self,
        info: Info,
        organization_id: strawberry.ID,
        partner_id: strawberry.ID,
        kind: PartnershipKind,
        since: date | None = None,
    ) -> Partnership:
        oid = check_id(organization_id, "organizationId")
        pid = check_id(partner_id, "partnerId")
        shared = set(await _organization_networks(info, [oid])) & set(
            await _organization_networks(info, [pid])
        )
        authorize(info, "partnership.declare", Scope.of([oid], sorted(shared)))
        row = await g_networks.declare_partnership(
            info.context.db, organization_id=oid, partner_id=pid, kind=kind.value, since=since
        )
        return Partnership.from_row(row)

    @strawberry.mutation
    async def end_partnership(
        self, info: Info, id: strawberry.ID, until: date | None = None
    ) -> Partnership:
        pid = check_id(id, "id")
        parties = await g_networks.partnership_parties(info.context.db, pid)
        if parties is None:
            raise NotFound(f"No partnership with id {pid}.", field="id")
        shared = set(await _organization_networks(info, [parties[0]])) & set(
            await _organization_networks(info, [parties[1]])
        )
        authorize(info, "partnership.end", Scope.of(list(parties), sorted(shared)))
        return Partnership.from_row(
            await g_networks.end_partnership(info.context.db, pid, until=until)
        )

    @strawberry.mutation
    async def create_territory(self, info: Info, code: str, name: str) -> Territory:
        authorize(info, "territory.create")
        return Territory.from_row(
            await g_networks.create_territory(info.context.db, code=code, name=name)
        )

    @strawberry.mutation
    async def create_place(
        self, info: Info, name: str, kind: PlaceKind, territory_id: strawberry.ID | None = None
    ) -> Place:
        authorize(info, "place.create")
        row = await g_networks.create_place(
            info.context.db,
            name=name,
            kind=kind.value,
            territory_id=None if territory_id is None else str(territory_id),
        )
        return Place.from_row(row)


async def _service_scope(info: Info, service_id: strawberry.ID, operation: str) -> str:
    sid = check_id(service_id, "id")
    org = await g_services.service_organization(info.context.db, sid)
    if org is None:
        raise NotFound(f"No service with id {sid}.", field="id")
    authorize(info, operation, Scope.of([org]))
    return sid
