"""The directory's hot reads, each one Cypher query shaped by a :class:`Projection`.

``services`` (where can this family go for this need, here?), ``organizations``
(of a network, with their services, needs and territories) and
``organization``: the fields asked for, related records nested in ``COLLECT``
subqueries, in one round trip. Nothing else is read or decoded (a
``createdAt`` nobody selected stays in the database).
"""

from __future__ import annotations

from typing import Any

from domain.errors import BadUserInput
from domain.vocabulary import Availability, OrganizationKind
from graph.db import Database
from graph.directory.organizations import OrganizationFilter
from graph.directory.services import AVAILABILITY_RANK, ServiceFilter
from graph.projection import Projection, map_projection
from graph.validation import check_enum, check_id

__all__ = [
    "organization_map",
    "organization_page",
    "organization_read",
    "service_map",
    "service_page",
]

ORGANIZATION_SCALARS = {
    "id": "{v}.id",
    "name": "{v}.name",
    "kind": "{v}.kind",
    "description": "{v}.description",
    "email": "{v}.email",
    "phone": "{v}.phone",
    "website": "{v}.website",
    "languages": "{v}.languages",
    "active": "{v}.active",
    "createdAt": "{v}.createdAt",
    "territoryId": "COLLECT {{ MATCH ({v})-[:BASED_IN]->({v}_t:Territory) RETURN {v}_t.id }}[0]",
}
SERVICE_SCALARS = {
    "id": "{v}.id",
    "name": "{v}.name",
    "description": "{v}.description",
    "eligibility": "{v}.eligibility",
    "languages": "{v}.languages",
    "availability": "{v}.availability",
    "availabilityChangedAt": "{v}.availabilityChangedAt",
    "createdAt": "{v}.createdAt",
    "organizationId": (
        "COLLECT {{ MATCH ({v}_o:Organization)-[:OFFERS]->({v}) RETURN {v}_o.id }}[0]"
    ),
}
NEED_SCALARS = {
    "id": "{v}.id",
    "code": "{v}.code",
    "labelFr": "{v}.labelFr",
    "labelEn": "{v}.labelEn",
}
TERRITORY_SCALARS = {"id": "{v}.id", "code": "{v}.code", "name": "{v}.name"}


def _needs(var: str, p: Projection, depth: int) -> str:
    n = f"n{depth}"
    row = map_projection(n, p, scalars=NEED_SCALARS, always=("code",), depth=depth)
    return f"COLLECT {{ MATCH ({var})-[:ADDRESSES]->({n}:Need) RETURN {row} ORDER BY {n}.code }}"


def _territories(var: str, p: Projection, depth: int) -> str:
    t = f"t{depth}"
    row = map_projection(t, p, scalars=TERRITORY_SCALARS, depth=depth)
    return (
        f"COLLECT {{ MATCH ({var})-[:AVAILABLE_IN]->({t}:Territory) "
        f"RETURN {row} ORDER BY {t}.code }}"
    )


def _organization_of(var: str, p: Projection, depth: int) -> str:
    o = f"o{depth}"
    return (
        f"COLLECT {{ MATCH ({o}:Organization)-[:OFFERS]->({var}) "
        f"RETURN {organization_map(o, p, depth)} }}[0]"
    )


def _services_of(var: str, p: Projection, depth: int) -> str:
    s = f"s{depth}"
    rank = AVAILABILITY_RANK.replace("s.availability", f"{s}.availability")
    return (
        f"COLLECT {{ MATCH ({var})-[:OFFERS]->({s}:Service) WITH {s} "
        f"ORDER BY {rank}, toLower({s}.name) RETURN {service_map(s, p, depth)} }}"
    )


def service_map(var: str, projection: Projection, depth: int = 0) -> str:
    """The wanted fields of the service ``var``, its organization, needs and territories nested."""
    return map_projection(
        var,
        projection,
        scalars=SERVICE_SCALARS,
        needs={"organization": ("organizationId",)},
        relations={
            "organization": _organization_of,
            "needs": _needs,
            "territories": _territories,
        },
        depth=depth,
    )


def organization_map(var: str, projection: Projection, depth: int = 0) -> str:
    """The wanted fields of the organization ``var``, its services nested."""
    return map_projection(
        var,
        projection,
        scalars=ORGANIZATION_SCALARS,
        relations={"services": _services_of},
        depth=depth,
    )


def _service_match(flt: ServiceFilter) -> str:
    """Start from the most selective known node: the need, else the organization, else all."""
    if flt.need_code:
        start = (
            "MATCH (:Need {code: $needCode})<-[:ADDRESSES]-(s:Service)<-[:OFFERS]-(o:Organization) "
        )
    elif flt.organization_id:
        start = "MATCH (o:Organization {id: $organizationId})-[:OFFERS]->(s:Service) "
    else:
        start = "MATCH (o:Organization)-[:OFFERS]->(s:Service) "
    return (
        start + "WHERE o.active "
        "AND ($organizationId IS NULL OR o.id = $organizationId) "
        "AND ($territoryId IS NULL OR EXISTS { "
        "     MATCH (s)-[:AVAILABLE_IN]->(:Territory {id: $territoryId}) }) "
        "AND ($availability IS NULL OR s.availability IN $availability) "
        "AND ($search IS NULL OR toLower(s.name) CONTAINS $search "
        "     OR toLower(coalesce(s.description, '')) CONTAINS $search "
        "     OR toLower(o.name) CONTAINS $search) "
    )


async def _page(
    db: Database,
    match: str,
    var: str,
    order: str,
    row_map: str,
    *,
    skip: int,
    limit: int,
    with_total: bool,
    **params: Any,
) -> tuple[list[dict[str, Any]], int | None]:
    """Rows ``skip..skip+limit`` of ``match`` in ``order``, and the total if asked.

    Counting needs every match collected; without it the page stops at
    ``limit + 1`` rows (the extra one says a next page exists).
    """
    if with_total:
        tail = (
            f"WITH {var} ORDER BY {order} WITH collect({var}) AS matches "
            f"RETURN size(matches) AS total, "
            f"[{var} IN matches[$skip..($skip + $limit)] | {row_map}] AS page"
        )
    else:
        tail = (
            f"WITH {var} ORDER BY {order} SKIP $skip LIMIT $limit + 1 "
            f"RETURN null AS total, collect({row_map}) AS page"
        )
    row = await db.record(match + tail, skip=skip, limit=limit, **params)
    assert row is not None
    total = row["total"]
    return [dict(r) for r in row["page"]], None if total is None else int(total)


async def service_page(
    db: Database,
    flt: ServiceFilter,
    projection: Projection,
    *,
    skip: int,
    limit: int,
    with_total: bool,
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of services, OPEN first, with the wanted fields; the total if asked.

    Without the total, one service more than ``limit`` is returned when there
    is one (the next page exists).
    """
    availability = (
        None
        if not flt.availability
        else [check_enum(a, Availability, "filter.availability").value for a in flt.availability]
    )
    search = (flt.search or "").strip().lower() or None
    return await _page(
        db,
        _service_match(flt),
        "s",
        f"{AVAILABILITY_RANK}, toLower(s.name), s.id",
        service_map("s", projection),
        skip=skip,
        limit=limit,
        with_total=with_total,
        organizationId=flt.organization_id,
        needCode=flt.need_code.upper() if flt.need_code else None,
        territoryId=flt.territory_id,
        availability=availability,
        search=search,
    )


def _organization_match(flt: OrganizationFilter) -> str:
    if flt.network_id:
        start = (
            "MATCH (:Network {id: $networkId})<-[m:MEMBER_OF]-(o:Organization) "
            "WHERE (m.until IS NULL OR m.until >= date()) "
            "WITH DISTINCT o "
        )
    else:
        start = "MATCH (o:Organization) "
    return (
        start + "WHERE ($includeInactive OR o.active) "
        "AND ($kind IS NULL OR o.kind = $kind) "
        "AND ($needCode IS NULL OR EXISTS { "
        "     MATCH (o)-[:OFFERS]->(:Service)-[:ADDRESSES]->(:Need {code: $needCode}) }) "
        "AND ($territoryId IS NULL "
        "     OR EXISTS { MATCH (o)-[:BASED_IN]->(:Territory {id: $territoryId}) } "
        "     OR EXISTS { MATCH (o)-[:OFFERS]->(:Service)-[:AVAILABLE_IN]->"
        "(:Territory {id: $territoryId}) }) "
        "AND ($search IS NULL OR toLower(o.name) CONTAINS $search "
        "     OR toLower(coalesce(o.description, '')) CONTAINS $search) "
    )


async def organization_page(
    db: Database,
    flt: OrganizationFilter,
    projection: Projection,
    *,
    skip: int,
    limit: int,
    with_total: bool,
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of organizations by name, with the wanted fields nested; the total if asked.

    Without the total, one organization more than ``limit`` is returned when
    there is one (the next page exists).
    """
    if flt.kind is not None:
        check_enum(flt.kind, OrganizationKind, "filter.kind")
    search = (flt.search or "").strip().lower() or None
    if search is not None and len(search) > 100:
        raise BadUserInput("filter.search is longer than 100 characters.", field="filter.search")
    return await _page(
        db,
        _organization_match(flt),
        "o",
        "toLower(o.name), o.id",
        organization_map("o", projection),
        skip=skip,
        limit=limit,
        with_total=with_total,
        includeInactive=flt.include_inactive,
        kind=flt.kind.upper() if flt.kind else None,
        networkId=flt.network_id,
        needCode=flt.need_code.upper() if flt.need_code else None,
        territoryId=flt.territory_id,
        search=search,
    )


async def organization_read(
    db: Database, organization_id: str, projection: Projection
) -> dict[str, Any] | None:
    """One organization with the wanted fields nested, or None."""
    row = await db.record(
        f"MATCH (o:Organization {{id: $id}}) RETURN {organization_map('o', projection)} AS o",
        id=check_id(organization_id, "id"),
    )
    return None if row is None else dict(row["o"])
