"""Services: what an organization offers, for which needs, where, and whether it has room."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from domain.errors import BadUserInput, Conflict, NotFound
from domain.vocabulary import Availability
from graph.db import Database, Tx
from graph.validation import (
    check_codes,
    check_enum,
    check_id,
    check_languages,
    check_text,
    optional_text,
)

__all__ = [
    "ServiceFilter",
    "ServiceInput",
    "availability_history",
    "create_service",
    "needs_by_service",
    "services_by_id",
    "services_by_organization",
    "set_service_availability",
    "territories_by_service",
    "update_service",
]

SERVICE_FIELDS = (
    "s {.id, .name, .description, .eligibility, .languages, .availability, "
    ".availabilityChangedAt, .createdAt, .updatedAt, .hsdsId, "
    "organizationId: COLLECT { MATCH (o:Organization)-[:OFFERS]->(s) RETURN o.id }[0]}"
)
# OPEN first, then WAITLIST: the outreach worker's question is "where is there room?".
AVAILABILITY_RANK = (
    "CASE s.availability WHEN 'OPEN' THEN 0 WHEN 'WAITLIST' THEN 1 WHEN 'FULL' THEN 2 ELSE 3 END"
)


@dataclass(frozen=True)
class ServiceInput:
    organization_id: str | None = None
    name: str | None = None
    description: str | None = None
    eligibility: str | None = None
    languages: list[str] | None = None
    need_codes: list[str] | None = None
    territory_ids: list[str] | None = None
    availability: str | None = None


@dataclass(frozen=True)
class ServiceFilter:
    need_code: str | None = None
    territory_id: str | None = None
    availability: list[str] | None = None
    search: str | None = None
    organization_id: str | None = None


def _clean(data: ServiceInput, *, creating: bool) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if creating or data.name is not None:
        props["name"] = check_text(data.name, "name", max_length=200)
    if data.description is not None:
        props["description"] = optional_text(data.description, "description", max_length=5000)
    if data.eligibility is not None:
        props["eligibility"] = optional_text(data.eligibility, "eligibility", max_length=2000)
    if creating or data.languages is not None:
        props["languages"] = check_languages(data.languages or ["fr"])
    return props


async def _check_needs(tx: Tx, codes: list[str]) -> None:
    rows = await tx.rows("MATCH (n:Need) WHERE n.code IN $codes RETURN n.code AS code", codes=codes)
    unknown = sorted(set(codes) - {row["code"] for row in rows})
    if unknown:
        raise BadUserInput(
            f"needCodes {', '.join(unknown)} are not in the need taxonomy (see the needs query).",
            field="needCodes",
        )


async def _check_territories(tx: Tx, ids: list[str]) -> None:
    rows = await tx.rows("MATCH (t:Territory) WHERE t.id IN $ids RETURN t.id AS id", ids=ids)
    unknown = sorted(set(ids) - {row["id"] for row in rows})
    if unknown:
        raise NotFound(f"No territory with id {', '.join(unknown)}.", field="territoryIds")


async def _check_name_free(tx: Tx, org_id: str, name: str, exclude: str | None) -> None:
    clash = await tx.row(
        "MATCH (:Organization {id: $org})-[:OFFERS]->(s:Service) "
        "WHERE toLower(s.name) = toLower($name) AND ($exclude IS NULL OR s.id <> $exclude) "
        "RETURN s.id AS id LIMIT 1",
        org=org_id,
        name=name,
        exclude=exclude,
    )
    if clash is not None:
        raise Conflict(f"This organization already offers a service named {name!r}.", field="name")


async def _link(tx: Tx, service_id: str, needs: list[str] | None, areas: list[str] | None) -> None:
    if needs is not None:
        await tx.run(
            "MATCH (s:Service {id: $id}) OPTIONAL MATCH (s)-[a:ADDRESSES]->() DELETE a "
            "WITH DISTINCT s UNWIND $codes AS code MATCH (n:Need {code: code}) "
            "MERGE (s)-[:ADDRESSES]->(n)",
            id=service_id,
            codes=needs,
        )
    if areas is not None:
        await tx.run(
            "MATCH (s:Service {id: $id}) OPTIONAL MATCH (s)-[a:AVAILABLE_IN]->() DELETE a "
            "WITH DISTINCT s UNWIND $ids AS tid MATCH (t:Territory {id: tid}) "
            "MERGE (s)-[:AVAILABLE_IN]->(t)",
            id=service_id,
            ids=areas,
        )


async def _record_availability(
    tx: Tx, service_id: str, availability: str, actor: str | None
) -> None:
    await tx.run(
        "MATCH (s:Service {id: $id}) "
        "SET s.availability = $availability, s.availabilityChangedAt = datetime() "
        "CREATE (s)-[:HAS_AVAILABILITY]->(:AvailabilityChange {id: randomUUID(), "
        "availability: $availability, at: datetime(), actorUserId: $actor})",
        id=service_id,
        availability=availability,
        actor=actor,
    )


async def create_service(
    db: Database,
    data: ServiceInput,
    *,
    actor_user_id: str | None = None,
    service_id: str | None = None,
) -> dict[str, Any]:
    org_id = check_id(data.organization_id, "organizationId")
    props = _clean(data, creating=True)
    needs = check_codes(data.need_codes, "needCodes", required=True)
    areas = [check_id(t, "territoryIds") for t in data.territory_ids or []]
    availability = check_enum(data.availability or "OPEN", Availability, "availability").value

    async def work(tx: Tx) -> dict[str, Any]:
        org = await tx.row("MATCH (o:Organization {id: $id}) RETURN o.active AS active", id=org_id)
        if org is None:
            raise NotFound(f"No organization with id {org_id}.", field="organizationId")
        await _check_needs(tx, needs)
        await _check_territories(tx, areas)
        await _check_name_free(tx, org_id, props["name"], None)
        sid = service_id or str(uuid.uuid4())
        await tx.run(
            "MATCH (o:Organization {id: $org}) "
            "CREATE (o)-[:OFFERS]->(s:Service {id: $id, createdAt: datetime()}) "
            "SET s += $props, s.updatedAt = s.createdAt",
            org=org_id,
            id=sid,
            props=props,
        )
        await _link(tx, sid, needs, areas)
        await _record_availability(tx, sid, availability, actor_user_id)
        row = await tx.row(f"MATCH (s:Service {{id: $id}}) RETURN {SERVICE_FIELDS} AS s", id=sid)
        assert row is not None
        return dict(row["s"])

    return await db.write(work)


async def update_service(db: Database, service_id: str, data: ServiceInput) -> dict[str, Any]:
    sid = check_id(service_id, "id")
    props = _clean(data, creating=False)
    needs = (
        None
        if data.need_codes is None
        else check_codes(data.need_codes, "needCodes", required=True)
    )
    areas = (
        None
        if data.territory_ids is None
        else [check_id(t, "territoryIds") for t in data.territory_ids]
    )
    if data.availability is not None:
        raise BadUserInput(
            "Change availability with setServiceAvailability, which keeps its history.",
            field="availability",
        )

    async def work(tx: Tx) -> dict[str, Any]:
        current = await tx.row(
            "MATCH (o:Organization)-[:OFFERS]->(s:Service {id: $id}) RETURN o.id AS org", id=sid
        )
        if current is None:
            raise NotFound(f"No service with id {sid}.", field="id")
        if needs is not None:
            await _check_needs(tx, needs)
        if areas is not None:
            await _check_territories(tx, areas)
        if "name" in props:
            await _check_name_free(tx, current["org"], props["name"], sid)
        await tx.run(
            "MATCH (s:Service {id: $id}) SET s += $props, s.updatedAt = datetime()",
            id=sid,
            props=props,
        )
        await _link(tx, sid, needs, areas)
        row = await tx.row(f"MATCH (s:Service {{id: $id}}) RETURN {SERVICE_FIELDS} AS s", id=sid)
        assert row is not None
        return dict(row["s"])

    return await db.write(work)


async def set_service_availability(
    db: Database, service_id: str, availability: str, *, actor_user_id: str | None = None
) -> dict[str, Any]:
    """Change a service's availability and append it to the service's history."""
    sid = check_id(service_id, "id")
    value = check_enum(availability, Availability, "availability").value

    async def work(tx: Tx) -> dict[str, Any]:
        if await tx.row("MATCH (s:Service {id: $id}) RETURN s.id AS id", id=sid) is None:
            raise NotFound(f"No service with id {sid}.", field="id")
        await _record_availability(tx, sid, value, actor_user_id)
        row = await tx.row(f"MATCH (s:Service {{id: $id}}) RETURN {SERVICE_FIELDS} AS s", id=sid)
        assert row is not None
        return dict(row["s"])

    return await db.write(work)


async def service_organization(db: Database, service_id: str) -> str | None:
    row = await db.row(
        "MATCH (o:Organization)-[:OFFERS]->(:Service {id: $id}) RETURN o.id AS org",
        id=check_id(service_id, "id"),
    )
    return None if row is None else str(row["org"])


async def services_by_id(db: Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = await db.rows(
        f"MATCH (s:Service) WHERE s.id IN $ids RETURN {SERVICE_FIELDS} AS s", ids=ids
    )
    return {row["s"]["id"]: dict(row["s"]) for row in rows}


async def services_by_organization(
    db: Database, org_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Batch lookup for loaders: organization id -> its services, OPEN first."""
    rows = await db.rows(
        "MATCH (o:Organization)-[:OFFERS]->(s:Service) WHERE o.id IN $ids "
        f"WITH o, s ORDER BY {AVAILABILITY_RANK}, toLower(s.name) "
        f"RETURN o.id AS org, collect({SERVICE_FIELDS}) AS services",
        ids=org_ids,
    )
    return {row["org"]: [dict(s) for s in row["services"]] for row in rows}


async def needs_by_service(db: Database, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    rows = await db.rows(
        "MATCH (s:Service)-[:ADDRESSES]->(n:Need) WHERE s.id IN $ids "
        "WITH s, n ORDER BY n.code "
        "RETURN s.id AS id, collect(n {.id, .code, .labelFr, .labelEn}) AS needs",
        ids=ids,
    )
    return {row["id"]: [dict(n) for n in row["needs"]] for row in rows}


async def territories_by_service(db: Database, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    rows = await db.rows(
        "MATCH (s:Service)-[:AVAILABLE_IN]->(t:Territory) WHERE s.id IN $ids "
        "WITH s, t ORDER BY t.code "
        "RETURN s.id AS id, collect(t {.id, .code, .name}) AS territories",
        ids=ids,
    )
    return {row["id"]: [dict(t) for t in row["territories"]] for row in rows}


async def availability_history(db: Database, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    rows = await db.rows(
        "MATCH (s:Service)-[:HAS_AVAILABILITY]->(c:AvailabilityChange) WHERE s.id IN $ids "
        "WITH s, c ORDER BY c.at "
        "RETURN s.id AS id, collect(c {.availability, .at}) AS history",
        ids=ids,
    )
    return {row["id"]: [dict(c) for c in row["history"]] for row in rows}
