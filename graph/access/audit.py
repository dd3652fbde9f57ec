"""The audit trail: append-only entries of who did or read what, when, with which token.

There is no function here to update or delete an entry, and no API calls
one: the trail is written by the GraphQL edge after each mutation and each
read of family data, and only read afterwards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph.db import Database

__all__ = ["AuditRecord", "append", "append_tokenless", "find_entries"]


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    operation: str
    outcome: str  # OK, or the error code
    user_id: str | None
    token_id: str | None
    request_id: str
    target_id: str | None = None
    organization_ids: tuple[str, ...] = ()
    actor_organization_ids: tuple[str, ...] = ()
    kind: str = "MUTATION"  # MUTATION | READ_PERSONAL
    extra: dict[str, Any] = field(default_factory=dict)


async def append(db: Database, records: list[AuditRecord]) -> None:
    """Write the entries in one transaction."""
    if not records:
        return
    rows = [
        {
            "id": str(uuid.uuid4()),
            "at": r.at,
            "operation": r.operation,
            "outcome": r.outcome,
            "userId": r.user_id,
            "tokenId": r.token_id,
            "requestId": r.request_id,
            "targetId": r.target_id,
            "organizationIds": sorted(set(r.organization_ids)),
            "actorOrganizationIds": sorted(set(r.actor_organization_ids)),
            "kind": r.kind,
        }
        for r in records
    ]
    await db.write(
        lambda tx: tx.run("UNWIND $rows AS row CREATE (a:AuditEntry) SET a = row", rows=rows)
    )


async def append_tokenless(
    db: Database,
    *,
    at: datetime,
    operation: str,
    request_id: str,
    target_id: str,
    organization_ids: tuple[str, ...] = (),
    actor_organization_ids: tuple[str, ...] = (),
) -> None:
    """One entry with no user nor token: the notification worker, a one-click answer."""
    await append(
        db,
        [
            AuditRecord(
                at=at,
                operation=operation,
                outcome="OK",
                user_id=None,
                token_id=None,
                request_id=request_id,
                target_id=target_id,
                organization_ids=organization_ids,
                actor_organization_ids=actor_organization_ids,
            )
        ],
    )


async def find_entries(
    db: Database,
    *,
    organization_id: str | None,
    since: datetime | None,
    until: datetime | None,
    skip: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """Entries that concern or were made by an organization (all with None), newest first."""
    row = await db.row(
        "MATCH (a:AuditEntry) "
        "WHERE ($org IS NULL OR $org IN a.organizationIds OR $org IN a.actorOrganizationIds) "
        "AND ($since IS NULL OR a.at >= $since) AND ($until IS NULL OR a.at < $until) "
        "WITH a ORDER BY a.at DESC, a.id "
        "WITH collect(a) AS entries "
        "RETURN size(entries) AS total, [a IN entries[$skip..($skip + $limit)] | a {.*}] AS page",
        org=organization_id,
        since=since,
        until=until,
        skip=skip,
        limit=limit,
    )
    assert row is not None
    return [dict(a) for a in row["page"]], int(row["total"])
