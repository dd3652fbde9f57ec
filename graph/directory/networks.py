"""Networks, their dated memberships and declared partnerships; territories, places, needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from domain.errors import BadUserInput, Conflict, NotFound
from domain.vocabulary import PartnershipKind, PlaceKind
from graph.db import Database, Tx
from graph.validation import (
    check_codes,
    check_dates_in_order,
    check_enum,
    check_id,
    check_text,
)

__all__ = [
    "add_network_member",
    "create_network",
    "create_place",
    "create_territory",
    "declare_partnership",
    "end_network_membership",
    "end_partnership",
    "list_needs",
    "list_networks",
    "list_places",
    "list_territories",
    "network_members",
    "network_partnerships",
    "networks_by_id",
    "organization_memberships",
    "require_networks",
]

NETWORK_FIELDS = "n {.id, .name, .territoryCodes, .ackDelayHours, .retentionDays, .createdAt}"
PARTNERSHIP_FIELDS = (
    "{id: p.id, sourceId: a.id, targetId: b.id, kind: p.kind, since: p.since, until: p.until}"
)


async def create_network(
    db: Database,
    *,
    name: str,
    territory_codes: list[str] | None = None,
    ack_delay_hours: int = 72,
    retention_days: int = 90,
    network_id: str | None = None,
) -> dict[str, Any]:
    name_ok = check_text(name, "name", max_length=200)
    codes = check_codes(territory_codes, "territoryCodes")
    if not 1 <= ack_delay_hours <= 24 * 60:
        raise BadUserInput("ackDelayHours must be between 1 and 1440.", field="ackDelayHours")
    if not 1 <= retention_days <= 3650:
        raise BadUserInput("retentionDays must be between 1 and 3650.", field="retentionDays")

    async def work(tx: Tx) -> dict[str, Any]:
        if await tx.row(
            "MATCH (n:Network) WHERE toLower(n.name) = toLower($name) RETURN n.id AS id",
            name=name_ok,
        ):
            raise Conflict(f"A network named {name_ok!r} already exists.", field="name")
        row = await tx.row(
            "CREATE (n:Network {id: $id, name: $name, territoryCodes: $codes, "
            "ackDelayHours: $ack, retentionDays: $retention, createdAt: datetime()}) "
            f"RETURN {NETWORK_FIELDS} AS n",
            id=network_id or str(uuid.uuid4()),
            name=name_ok,
            codes=codes,
            ack=ack_delay_hours,
            retention=retention_days,
        )
        assert row is not None
        return dict(row["n"])

    return await db.write(work)


async def networks_by_id(db: Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = await db.rows(
        f"MATCH (n:Network) WHERE n.id IN $ids RETURN {NETWORK_FIELDS} AS n", ids=ids
    )
    return {row["n"]["id"]: dict(row["n"]) for row in rows}


async def require_networks(db: Database, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """:func:`networks_by_id`, raising :class:`NotFound` naming every id that is no network."""
    found = await networks_by_id(db, list(ids))
    missing = sorted(set(ids) - set(found))
    if missing:
        raise NotFound(f"No network with id {', '.join(missing)}.", field="network")
    return found


async def list_networks(db: Database) -> list[dict[str, Any]]:
    rows = await db.rows(f"MATCH (n:Network) RETURN {NETWORK_FIELDS} AS n ORDER BY n.name")
    return [dict(row["n"]) for row in rows]


async def _require(tx: Tx, label: str, node_id: str, field: str) -> None:
    # ``label`` comes from this module's own calls, never from user input.
    if await tx.row(f"MATCH (x:{label} {{id: $id}}) RETURN x.id AS id", id=node_id) is None:
        raise NotFound(f"No {label.lower()} with id {node_id}.", field=field)


async def add_network_member(
    db: Database, *, network_id: str, organization_id: str, since: date | None = None
) -> dict[str, Any]:
    """Open a dated membership; an organization has at most one open membership per network."""
    nid, oid = check_id(network_id, "networkId"), check_id(organization_id, "organizationId")
    start = since or date.today()

    async def work(tx: Tx) -> dict[str, Any]:
        await _require(tx, "Network", nid, "networkId")
        await _require(tx, "Organization", oid, "organizationId")
        # A membership ending on or after ``since`` (even one ended ahead) overlaps the new one.
        if await tx.row(
            "MATCH (:Organization {id: $oid})-[m:MEMBER_OF]->(:Network {id: $nid}) "
            "WHERE m.until IS NULL OR m.until >= $since RETURN m.since AS since",
            oid=oid,
            nid=nid,
            since=start,
        ):
            raise Conflict(
                "This organization is already a member of this network.", field="organizationId"
            )
        clash = await tx.row(
            "MATCH (o:Organization {id: $oid}), "
            "(x:Organization)-[m:MEMBER_OF]->(:Network {id: $nid}) "
            "WHERE x.id <> o.id AND (m.until IS NULL OR m.until >= $since) "
            "AND toLower(x.name) = toLower(o.name) "
            "RETURN x.id AS id LIMIT 1",
            oid=oid,
            nid=nid,
            since=start,
        )
        if clash:
            raise Conflict(
                "Another member of this network has the same name.", field="organizationId"
            )
        row = await tx.row(
            "MATCH (o:Organization {id: $oid}), (n:Network {id: $nid}) "
            "CREATE (o)-[m:MEMBER_OF {since: $since, until: null}]->(n) "
            "RETURN {organizationId: o.id, networkId: n.id, since: m.since, until: m.until} AS m",
            oid=oid,
            nid=nid,
            since=start,
        )
        assert row is not None
        return dict(row["m"])

    return await db.write(work)


async def end_network_membership(
    db: Database, *, network_id: str, organization_id: str, until: date | None = None
) -> dict[str, Any]:
    nid, oid = check_id(network_id, "networkId"), check_id(organization_id, "organizationId")
    end = until or date.today()

    async def work(tx: Tx) -> dict[str, Any]:
        current = await tx.row(
            "MATCH (:Organization {id: $oid})-[m:MEMBER_OF]->(:Network {id: $nid}) "
            "WHERE m.until IS NULL RETURN m.since AS since",
            oid=oid,
            nid=nid,
        )
        if current is None:
            raise NotFound(
                "This organization has no open membership in this network.", field="organizationId"
            )
        check_dates_in_order(current["since"].to_native(), end, "until")
        row = await tx.row(
            "MATCH (o:Organization {id: $oid})-[m:MEMBER_OF]->(n:Network {id: $nid}) "
            "WHERE m.until IS NULL SET m.until = $until "
            "RETURN {organizationId: o.id, networkId: n.id, since: m.since, until: m.until} AS m",
            oid=oid,
            nid=nid,
            until=end,
        )
        assert row is not None
        return dict(row["m"])

    return await db.write(work)


async def network_members(db: Database, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Network id -> memberships (current and past), newest first."""
    rows = await db.rows(
        "MATCH (o:Organization)-[m:MEMBER_OF]->(n:Network) WHERE n.id IN $ids "
        "WITH n, o, m ORDER BY m.since DESC, toLower(o.name) "
        "RETURN n.id AS id, collect({organizationId: o.id, networkId: n.id, since: m.since, "
        "until: m.until}) AS members",
        ids=ids,
    )
    return {row["id"]: [dict(m) for m in row["members"]] for row in rows}


async def organization_memberships(db: Database, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    rows = await db.rows(
        "MATCH (o:Organization)-[m:MEMBER_OF]->(n:Network) WHERE o.id IN $ids "
        "WITH o, n, m ORDER BY m.since DESC "
        "RETURN o.id AS id, collect({organizationId: o.id, networkId: n.id, since: m.since, "
        "until: m.until}) AS memberships",
        ids=ids,
    )
    return {row["id"]: [dict(m) for m in row["memberships"]] for row in rows}


async def declare_partnership(
    db: Database,
    *,
    organization_id: str,
    partner_id: str,
    kind: str,
    since: date | None = None,
    partnership_id: str | None = None,
) -> dict[str, Any]:
    oid, pid = check_id(organization_id, "organizationId"), check_id(partner_id, "partnerId")
    kind_ok = check_enum(kind, PartnershipKind, "kind").value
    if oid == pid:
        raise BadUserInput("An organization cannot partner with itself.", field="partnerId")

    async def work(tx: Tx) -> dict[str, Any]:
        await _require(tx, "Organization", oid, "organizationId")
        await _require(tx, "Organization", pid, "partnerId")
        if await tx.row(
            "MATCH (:Organization {id: $a})-[p:PARTNERS_WITH {kind: $kind}]-"
            "(:Organization {id: $b}) "
            "WHERE p.until IS NULL RETURN p.id AS id",
            a=oid,
            b=pid,
            kind=kind_ok,
        ):
            raise Conflict(
                f"These organizations already have an open {kind_ok} partnership.", field="kind"
            )
        row = await tx.row(
            "MATCH (a:Organization {id: $a}), (b:Organization {id: $b}) "
            "CREATE (a)-[p:PARTNERS_WITH {id: $id, kind: $kind, since: $since, until: null, "
            "createdAt: datetime()}]->(b) "
            f"RETURN {PARTNERSHIP_FIELDS} AS p",
            a=oid,
            b=pid,
            id=partnership_id or str(uuid.uuid4()),
            kind=kind_ok,
            since=since or date.today(),
        )
        assert row is not None
        return dict(row["p"])

    return await db.write(work)


async def partnership_parties(db: Database, partnership_id: str) -> tuple[str, str] | None:
    row = await db.row(
        "MATCH (a)-[p:PARTNERS_WITH {id: $id}]->(b) RETURN a.id AS a, b.id AS b",
        id=check_id(partnership_id, "id"),
    )
    return None if row is None else (row["a"], row["b"])


async def end_partnership(
    db: Database, partnership_id: str, *, until: date | None = None
) -> dict[str, Any]:
    pid = check_id(partnership_id, "id")
    end = until or date.today()

    async def work(tx: Tx) -> dict[str, Any]:
        current = await tx.row(
            "MATCH ()-[p:PARTNERS_WITH {id: $id}]->() RETURN p.since AS since, p.until AS until",
            id=pid,
        )
        if current is None:
            raise NotFound(f"No partnership with id {pid}.", field="id")
        if current["until"] is not None:
            raise Conflict("This partnership has already ended.", field="id")
        check_dates_in_order(current["since"].to_native(), end, "until")
        row = await tx.row(
            "MATCH (a)-[p:PARTNERS_WITH {id: $id}]->(b) SET p.until = $until "
            f"RETURN {PARTNERSHIP_FIELDS} AS p",
            id=pid,
            until=end,
        )
        assert row is not None
        return dict(row["p"])

    return await db.write(work)


async def network_partnerships(db: Database, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Network id -> partnerships whose two parties are (or were) both members."""
    rows = await db.rows(
        "MATCH (n:Network) WHERE n.id IN $ids "
        "MATCH (a:Organization)-[:MEMBER_OF]->(n)<-[:MEMBER_OF]-(b:Organization), "
        "      (a)-[p:PARTNERS_WITH]->(b) "
        "WITH n, a, b, p ORDER BY p.since "
        f"RETURN n.id AS id, collect(DISTINCT {PARTNERSHIP_FIELDS}) AS partnerships",
        ids=ids,
    )
    return {row["id"]: [dict(p) for p in row["partnerships"]] for row in rows}


async def create_territory(
    db: Database, *, code: str, name: str, territory_id: str | None = None
) -> dict[str, Any]:
    code_ok = check_codes([code], "code", required=True)[0]
    name_ok = check_text(name, "name", max_length=200)

    async def work(tx: Tx) -> dict[str, Any]:
        if await tx.row("MATCH (t:Territory {code: $code}) RETURN t.id AS id", code=code_ok):
            raise Conflict(f"A territory with code {code_ok} already exists.", field="code")
        row = await tx.row(
            "CREATE (t:Territory {id: $id, code: $code, name: $name, createdAt: datetime()}) "
            "RETURN t {.id, .code, .name} AS t",
            id=territory_id or str(uuid.uuid4()),
            code=code_ok,
            name=name_ok,
        )
        assert row is not None
        return dict(row["t"])

    return await db.write(work)


async def list_territories(db: Database) -> list[dict[str, Any]]:
    rows = await db.rows("MATCH (t:Territory) RETURN t {.id, .code, .name} AS t ORDER BY t.code")
    return [dict(row["t"]) for row in rows]


async def create_place(
    db: Database,
    *,
    name: str,
    kind: str,
    territory_id: str | None = None,
    place_id: str | None = None,
) -> dict[str, Any]:
    name_ok = check_text(name, "name", max_length=200)
    kind_ok = check_enum(kind, PlaceKind, "kind").value
    tid = check_id(territory_id, "territoryId") if territory_id is not None else None

    async def work(tx: Tx) -> dict[str, Any]:
        if tid is not None:
            await _require(tx, "Territory", tid, "territoryId")
        if await tx.row(
            "MATCH (p:Place) WHERE toLower(p.name) = toLower($name) "
            "AND coalesce(COLLECT { MATCH (p)-[:IN_TERRITORY]->(t) RETURN t.id }[0], '') "
            "= coalesce($tid, '') RETURN p.id AS id",
            name=name_ok,
            tid=tid,
        ):
            raise Conflict(
                f"A place named {name_ok!r} already exists in this territory.", field="name"
            )
        pid = place_id or str(uuid.uuid4())
        await tx.run(
            "CREATE (p:Place {id: $id, name: $name, kind: $kind, createdAt: datetime()})",
            id=pid,
            name=name_ok,
            kind=kind_ok,
        )
        if tid is not None:
            await tx.run(
                "MATCH (p:Place {id: $id}), (t:Territory {id: $tid}) "
                "CREATE (p)-[:IN_TERRITORY]->(t)",
                id=pid,
                tid=tid,
            )
        return await _place(tx, pid)

    return await db.write(work)


async def _place(tx: Tx, place_id: str) -> dict[str, Any]:
    row = await tx.row(
        "MATCH (p:Place {id: $id}) "
        "RETURN p {.id, .name, .kind, territoryId: COLLECT { MATCH (p)-[:IN_TERRITORY]->(t) "
        "RETURN t.id }[0]} AS p",
        id=place_id,
    )
    assert row is not None
    return dict(row["p"])


async def list_places(
    db: Database, *, territory_id: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    kind_ok = check_enum(kind, PlaceKind, "kind").value if kind is not None else None
    rows = await db.rows(
        "MATCH (p:Place) WHERE ($kind IS NULL OR p.kind = $kind) "
        "AND ($tid IS NULL OR EXISTS { MATCH (p)-[:IN_TERRITORY]->(:Territory {id: $tid}) }) "
        "RETURN p {.id, .name, .kind, territoryId: COLLECT { MATCH (p)-[:IN_TERRITORY]->(t) "
        "RETURN t.id }[0]} AS p ORDER BY toLower(p.name)",
        kind=kind_ok,
        tid=territory_id,
    )
    return [dict(row["p"]) for row in rows]


async def list_needs(db: Database) -> list[dict[str, Any]]:
    rows = await db.rows(
        "MATCH (n:Need) RETURN n {.id, .code, .labelFr, .labelEn} AS n ORDER BY n.code"
    )
    return [dict(row["n"]) for row in rows]


async def places_by_id(db: Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = await db.rows(
        "MATCH (p:Place) WHERE p.id IN $ids "
        "RETURN p {.id, .name, .kind, territoryId: COLLECT { MATCH (p)-[:IN_TERRITORY]->(t) "
        "RETURN t.id }[0]} AS p",
        ids=ids,
    )
    return {row["p"]["id"]: dict(row["p"]) for row in rows}
