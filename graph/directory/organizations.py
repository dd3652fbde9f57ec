"""Organizations: the directory's members, who send and receive referrals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.errors import Conflict, NotFound
from domain.vocabulary import OrganizationKind
from graph.db import Database, Tx
from graph.validation import (
    check_email,
    check_enum,
    check_id,
    check_languages,
    check_text,
    check_url,
    optional_text,
)

__all__ = [
    "OrganizationFilter",
    "OrganizationInput",
    "create_organization",
    "deactivate_organization",
    "organizations_by_id",
    "update_organization",
]

ORG_FIELDS = (
    "o {.id, .name, .kind, .description, .email, .phone, .website, .languages, .active, "
    ".createdAt, .updatedAt, .hsdsId, territoryId: COLLECT { MATCH (o)-[:BASED_IN]->(t) "
    "RETURN t.id }[0]}"
)


@dataclass(frozen=True)
class OrganizationInput:
    """Fields of an organization; None means "leave as is" on update."""

    name: str | None = None
    kind: str | None = None
    description: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    languages: list[str] | None = None
    territory_id: str | None = None


@dataclass(frozen=True)
class OrganizationFilter:
    network_id: str | None = None
    kind: str | None = None
    need_code: str | None = None
    territory_id: str | None = None
    search: str | None = None
    include_inactive: bool = False


def _clean(data: OrganizationInput, *, creating: bool) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if creating or data.name is not None:
        props["name"] = check_text(data.name, "name", max_length=200)
    if creating or data.kind is not None:
        props["kind"] = check_enum(data.kind or "", OrganizationKind, "kind").value
    if data.description is not None:
        props["description"] = optional_text(data.description, "description", max_length=5000)
    if data.email is not None:
        props["email"] = check_email(data.email, "email")
    if data.phone is not None:
        props["phone"] = optional_text(data.phone, "phone", max_length=40)
    if data.website is not None:
        props["website"] = check_url(data.website, "website")
    if creating or data.languages is not None:
        props["languages"] = check_languages(data.languages or ["fr"])
    return props


async def _check_territory(tx: Tx, territory_id: str | None) -> str | None:
    if territory_id is None:
        return None
    tid = check_id(territory_id, "territoryId")
    if await tx.row("MATCH (t:Territory {id: $id}) RETURN t.id AS id", id=tid) is None:
        raise NotFound(f"No territory with id {tid}.", field="territoryId")
    return tid


async def _set_territory(tx: Tx, organization_id: str, territory_id: str) -> None:
    await tx.run(
        "MATCH (o:Organization {id: $id}) OPTIONAL MATCH (o)-[old:BASED_IN]->() DELETE old",
        id=organization_id,
    )
    await tx.run(
        "MATCH (o:Organization {id: $id}), (t:Territory {id: $tid}) MERGE (o)-[:BASED_IN]->(t)",
        id=organization_id,
        tid=territory_id,
    )


async def _check_name_free_in_networks(
    tx: Tx, name: str, network_ids: list[str], exclude_id: str | None
) -> None:
    clash = await tx.row(
        "MATCH (o:Organization)-[m:MEMBER_OF]->(n:Network) "
        "WHERE n.id IN $networks AND toLower(o.name) = toLower($name) "
        "AND ($exclude IS NULL OR o.id <> $exclude) AND (m.until IS NULL OR m.until >= date()) "
        "RETURN n.name AS network LIMIT 1",
        networks=network_ids,
        name=name,
        exclude=exclude_id,
    )
    if clash is not None:
        raise Conflict(
            f"An organization named {name!r} is already a member of {clash['network']}.",
            field="name",
        )


async def create_organization(
    db: Database,
    data: OrganizationInput,
    *,
    network_id: str | None = None,
    member_since: date | None = None,
    organization_id: str | None = None,
) -> dict[str, Any]:
    """Create an organization, optionally as a member of a network from ``member_since``."""
    props = _clean(data, creating=True)
    nid = check_id(network_id, "networkId") if network_id is not None else None

    async def work(tx: Tx) -> dict[str, Any]:
        tid = await _check_territory(tx, data.territory_id)
        if nid is not None:
            if await tx.row("MATCH (n:Network {id: $id}) RETURN n.id AS id", id=nid) is None:
                raise NotFound(f"No network with id {nid}.", field="networkId")
            await _check_name_free_in_networks(tx, props["name"], [nid], None)
        oid = organization_id or str(uuid.uuid4())
        await tx.run(
            "CREATE (o:Organization {id: $id, active: true, createdAt: datetime()}) "
            "SET o += $props, o.updatedAt = o.createdAt",
            id=oid,
            props=props,
        )
        if tid is not None:
            await _set_territory(tx, oid, tid)
        if nid is not None:
            await tx.run(
                "MATCH (o:Organization {id: $id}), (n:Network {id: $nid}) "
                "CREATE (o)-[:MEMBER_OF {since: $since, until: null}]->(n)",
                id=oid,
                nid=nid,
                since=member_since or date.today(),
            )
        row = await tx.row(f"MATCH (o:Organization {{id: $id}}) RETURN {ORG_FIELDS} AS org", id=oid)
        assert row is not None
        return dict(row["org"])

    return await db.write(work)


async def update_organization(
    db: Database, organization_id: str, data: OrganizationInput
) -> dict[str, Any]:
    oid = check_id(organization_id, "id")
    props = _clean(data, creating=False)

    async def work(tx: Tx) -> dict[str, Any]:
        current = await tx.row(
            "MATCH (o:Organization {id: $id}) "
            "RETURN [(o)-[m:MEMBER_OF]->(n) WHERE m.until IS NULL OR m.until >= date() | n.id] "
            "AS networks",
            id=oid,
        )
        if current is None:
            raise NotFound(f"No organization with id {oid}.", field="id")
        if "name" in props:
            await _check_name_free_in_networks(tx, props["name"], current["networks"], oid)
        tid = await _check_territory(tx, data.territory_id)
        if tid is not None:
            await _set_territory(tx, oid, tid)
        row = await tx.row(
            "MATCH (o:Organization {id: $id}) SET o += $props, o.updatedAt = datetime() "
            f"RETURN {ORG_FIELDS} AS org",
            id=oid,
            props=props,
        )
        assert row is not None
        return dict(row["org"])

    return await db.write(work)


async def deactivate_organization(db: Database, organization_id: str) -> dict[str, Any]:
    """Mark an organization inactive: it stays in history but receives no referrals."""
    oid = check_id(organization_id, "id")

    async def work(tx: Tx) -> dict[str, Any]:
        row = await tx.row(
            "MATCH (o:Organization {id: $id}) SET o.active = false, o.updatedAt = datetime(), "
            f"o.deactivatedAt = datetime() RETURN {ORG_FIELDS} AS org",
            id=oid,
        )
        if row is None:
            raise NotFound(f"No organization with id {oid}.", field="id")
        return dict(row["org"])

    return await db.write(work)


async def organizations_by_id(db: Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Batch lookup for loaders: id -> organization (missing ids are absent)."""
    rows = await db.rows(
        f"MATCH (o:Organization) WHERE o.id IN $ids RETURN {ORG_FIELDS} AS org", ids=ids
    )
    return {row["org"]["id"]: dict(row["org"]) for row in rows}
