"""Who am I, users, roles and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from domain.errors import NotFound
from graph.access import identity as g_identity
from graph.validation import check_id
from schema.access import authorize
from schema.context import Info
from schema.policy import Scope
from schema.types import Organization, OrgRole, native

__all__ = ["IdentityMutation", "IdentityQuery"]


@strawberry.type
class User:
    id: strawberry.ID
    name: str


@strawberry.type
class OrganizationRole:
    organization_id: strawberry.ID
    role: OrgRole

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        row = await info.context.loaders.organization.load(str(self.organization_id))
        return None if row is None else Organization.from_row(row)


@strawberry.type(description="The caller: user, organizations and every role held.")
class Me:
    user: User
    roles: list[str]
    organization_roles: list[OrganizationRole]
    coordinated_network_ids: list[strawberry.ID]
    studied_network_ids: list[strawberry.ID]

    @strawberry.field
    async def organizations(self, info: Info) -> list[Organization]:
        rows = [
            await info.context.loaders.organization.load(str(r.organization_id))
            for r in self.organization_roles
        ]
        return [Organization.from_row(r) for r in rows if r is not None]


@strawberry.type(description="An API token's record; the secret itself is never stored.")
class ApiToken:
    id: strawberry.ID
    user_id: strawberry.ID
    label: str | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApiToken:
        return cls(
            id=row["id"],
            user_id=row["userId"],
            label=row.get("label"),
            prefix=row["prefix"],
            created_at=native(row["createdAt"]),
            revoked_at=native(row.get("revokedAt")),
            last_used_at=native(row.get("lastUsedAt")),
        )


@strawberry.type(description="A new token. Copy `secret` now: it is shown only once.")
class CreatedApiToken:
    secret: str
    token: ApiToken


@strawberry.type
class IdentityQuery:
    @strawberry.field
    def me(self, info: Info) -> Me:
        p = info.context.caller
        return Me(
            user=User(id=strawberry.ID(p.user_id), name=p.name),
            roles=p.roles,
            organization_roles=[
                OrganizationRole(organization_id=strawberry.ID(org), role=OrgRole(role))
                for org, role in sorted(p.org_roles.items())
            ],
            coordinated_network_ids=[strawberry.ID(n) for n in sorted(p.coordinates)],
            studied_network_ids=[strawberry.ID(n) for n in sorted(p.studies)],
        )

    @strawberry.field(description="A user's tokens (your own, or any for a platform admin).")
    async def api_tokens(self, info: Info, user_id: strawberry.ID | None = None) -> list[ApiToken]:
        uid = info.context.caller.user_id if user_id is None else check_id(user_id, "userId")
        authorize(info, "token.list", Scope.of(user_id=uid))
        return [
            ApiToken.from_row(r["token"])
            for r in await g_identity.user_tokens(info.context.db, uid)
        ]


@strawberry.type
class IdentityMutation:
    @strawberry.mutation
    async def create_user(
        self, info: Info, email: str, name: str, platform_admin: bool = False
    ) -> User:
        authorize(info, "user.create")
        row = await g_identity.create_user(
            info.context.db, email=email, name=name, platform_admin=platform_admin
        )
        return User(id=row["id"], name=row["name"])

    @strawberry.mutation
    async def assign_organization_role(
        self, info: Info, user_id: strawberry.ID, organization_id: strawberry.ID, role: OrgRole
    ) -> bool:
        oid = check_id(organization_id, "organizationId")
        authorize(info, "user.assignOrganizationRole", Scope.of([oid]))
        await g_identity.assign_organization_role(
            info.context.db, user_id=str(user_id), organization_id=oid, role=role.value
        )
        return True

    @strawberry.mutation(description="Make a user COORDINATOR or RESEARCHER of a network.")
    async def assign_network_role(
        self, info: Info, user_id: strawberry.ID, network_id: strawberry.ID, role: str
    ) -> bool:
        authorize(info, "user.assignNetworkRole")
        await g_identity.assign_network_role(
            info.context.db, user_id=str(user_id), network_id=str(network_id), role=role
        )
        return True

    @strawberry.mutation(description="Create a token for a user (yourself, or any as admin).")
    async def create_api_token(
        self, info: Info, user_id: strawberry.ID | None = None, label: str | None = None
    ) -> CreatedApiToken:
        uid = info.context.caller.user_id if user_id is None else check_id(user_id, "userId")
        authorize(info, "token.create", Scope.of(user_id=uid))
        secret, row = await g_identity.create_token(info.context.db, user_id=uid, label=label)
        return CreatedApiToken(secret=secret, token=ApiToken.from_row(row))

    @strawberry.mutation
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> ApiToken:
        tid = check_id(id, "id")
        owner = await g_identity.token_owner(info.context.db, tid)
        if owner is None:
            raise NotFound(f"No API token with id {tid}.", field="id")
        authorize(info, "token.revoke", Scope.of(user_id=owner))
        return ApiToken.from_row(await g_identity.revoke_token(info.context.db, tid))
