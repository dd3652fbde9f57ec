"""``auditLog``: the trail, read-only, for organization admins and platform admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from domain.errors import BadUserInput
from graph.access import audit
from graph.validation import check_id, check_instant
from schema.access import authorize
from schema.context import Info
from schema.pagination import Connection, page_window, to_connection
from schema.policy import Scope
from schema.types import native

__all__ = ["AuditQuery"]


@strawberry.type(description="Who did or read what, when, with which token.")
class AuditEntry:
    id: strawberry.ID
    at: datetime
    kind: str
    operation: str
    outcome: str
    user_id: strawberry.ID | None
    token_id: strawberry.ID | None
    request_id: str
    target_id: str | None
    organization_ids: list[strawberry.ID]
    actor_organization_ids: list[strawberry.ID]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AuditEntry:
        return cls(
            id=row["id"],
            at=native(row["at"]),
            kind=row.get("kind", "MUTATION"),
            operation=row["operation"],
            outcome=row["outcome"],
            user_id=row.get("userId"),
            token_id=row.get("tokenId"),
            request_id=row.get("requestId", ""),
            target_id=row.get("targetId"),
            organization_ids=list(row.get("organizationIds") or []),
            actor_organization_ids=list(row.get("actorOrganizationIds") or []),
        )


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="An organization's audit trail (its admins), or everyone's "
        "(platform admins, organizationId omitted); newest first."
    )
    async def audit_log(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        org = check_id(organization_id, "organizationId") if organization_id else None
        authorize(info, "audit.read", Scope.of([org] if org else []))
        from_, to = check_instant(from_, "from"), check_instant(to, "to")
        if from_ is not None and to is not None and to < from_:
            raise BadUserInput("to is before from.", field="to")
        skip, limit = page_window(first, after, info.context.settings.max_page_size)
        rows, total = await audit.find_entries(
            info.context.db, organization_id=org, since=from_, until=to, skip=skip, limit=limit
        )
        return to_connection(rows, total, skip, AuditEntry.from_row)
