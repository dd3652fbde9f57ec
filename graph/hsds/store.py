"""HSDS directories in the graph: import them (create or update, idempotently) and export.

:func:`import_directory` writes what :func:`graph.hsds.read_hsds` read:
organizations, their services, the services' needs (``ADDRESSES``) and the
taxonomy terms that name no Maillage need, kept as ``(:TaxonomyTerm)`` nodes
linked by ``(s)-[:CATEGORIZED_AS]->(t)``. A record is found by its ``hsdsId``
or, for a record first created in Maillage and exported, by its ``id``; the
id of a new record is its HSDS id when that is a UUID (as HSDS 3.0 requires),
else a UUID5 of it. Only what differs is written, so importing the same
source twice changes nothing, ``updatedAt`` included. An import is one
transaction: it lands whole or not at all.

The source is authoritative for what HSDS says, and silent on the rest: an
organization keeps its kind, active flag and memberships; languages are
replaced only when the source lists some; and HSDS ``active`` leaves a
WAITLIST or FULL service as it is (the service runs; whether it has room is
Maillage's to know). An availability change is appended to the service's
history exactly as ``graph/directory/services.py`` does.

:func:`export_directory` writes ``organizations.json`` and ``services.json``,
lists of HSDS 3.0 objects, for the whole directory or one network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.errors import Conflict, NotFound
from domain.vocabulary import OrganizationKind
from graph.db import Database, Tx
from graph.hsds import HsdsDirectory, to_hsds_organization, to_hsds_service
from graph.hsds.records import (
    Record,
    ServiceRecord,
    availability_to_record,
    directory_organization,
    directory_service,
    extra_term_records,
    maillage_id,
    organization_record,
    service_record,
)
from graph.hsds.schema import check_documents
from graph.validation import check_enum, check_id

__all__ = [
    "ExportCounts",
    "ImportCounts",
    "Tally",
    "export_directory",
    "import_directory",
]


@dataclass(frozen=True)
class Tally:
    """What an import did to one kind of record."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass(frozen=True)
class ImportCounts:
    """What an import did; ``unmapped`` names the HSDS tables it left out."""

    organizations: Tally
    services: Tally
    taxonomy_terms: Tally
    unmapped: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportCounts:
    """What an export wrote: records per kind and the files, organizations first."""

    organizations: int
    services: int
    files: tuple[Path, ...]


# ---------------------------------------------------------------- import


async def _existing(
    tx: Tx, label: str, ids: Iterable[str], hsds_ids: Iterable[str], fields: str
) -> dict[str, dict[str, Any]]:
    """Nodes found by id or hsdsId, keyed by both."""
    # ``label`` and ``fields`` come from this module, never from the source.
    rows = await tx.rows(
        f"CALL () {{ MATCH (x:{label}) WHERE x.id IN $ids RETURN x "
        f"UNION MATCH (x:{label}) WHERE x.hsdsId IN $hsdsIds RETURN x }} "
        f"RETURN x.id AS id, x.hsdsId AS hsdsId, {fields}",
        ids=sorted(set(ids)),
        hsdsIds=sorted(set(hsds_ids)),
    )
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        found[f"id:{row['id']}"] = row
        if row["hsdsId"] is not None:
            found[f"hsds:{row['hsdsId']}"] = row
    return found


def _match(
    found: Mapping[str, dict[str, Any]], hsds_id: str, node_id: str
) -> dict[str, Any] | None:
    return found.get(f"hsds:{hsds_id}") or found.get(f"id:{node_id}")


def _differs(current: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
    return any(current.get(key) != value for key, value in props.items())


def _sort_out(
    records: list[Record], found: Mapping[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows to create, and rows to update: found records whose properties differ."""
    created: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    for record in records:
        current = _match(found, record.hsds_id, record.id)
        if current is None:
            created.append({"id": record.id, "hsdsId": record.hsds_id, "props": record.props})
        elif _differs(current["props"], record.props) or current["hsdsId"] is None:
            updated.append({"id": current["id"], "hsdsId": record.hsds_id, "props": record.props})
    return created, updated


async def _import_organizations(
    tx: Tx, records: list[Record], service_owners: set[str], kind: str
) -> tuple[Tally, dict[str, str], list[str]]:
    """Create or update organizations; return the tally, hsds id -> node id, updated ids."""
    wanted = [maillage_id("organization", hid) for hid in service_owners]
    found = await _existing(
        tx,
        "Organization",
        [r.id for r in records] + wanted,
        [r.hsds_id for r in records] + sorted(service_owners),
        "x {.name, .description, .email, .website, .languages} AS props",
    )
    node_ids = {
        hid: row["id"]
        for hid in service_owners
        if (row := _match(found, hid, maillage_id("organization", hid))) is not None
    }
    for record in records:
        current = _match(found, record.hsds_id, record.id)
        node_ids[record.hsds_id] = record.id if current is None else current["id"]
    created, updated = _sort_out(records, found)
    if created:
        await tx.run(
            "UNWIND $rows AS row "
            "MERGE (o:Organization {id: row.id}) "
            "ON CREATE SET o.createdAt = datetime(), o.active = true, o.kind = $kind "
            "SET o += row.props, o.hsdsId = row.hsdsId, o.updatedAt = o.createdAt",
            rows=created,
            kind=kind,
        )
    if updated:
        await tx.run(
            "UNWIND $rows AS row MATCH (o:Organization {id: row.id}) "
            "SET o += row.props, o.hsdsId = coalesce(o.hsdsId, row.hsdsId), "
            "o.updatedAt = datetime()",
            rows=updated,
        )
    tally = Tally(len(created), len(updated), len(records) - len(created) - len(updated))
    return tally, node_ids, [row["id"] for row in updated]


async def _import_terms(tx: Tx, records: list[Record]) -> Tally:
    found = await _existing(
        tx,
        "TaxonomyTerm",
        [r.id for r in records],
        [r.hsds_id for r in records],
        "x {.name, .code, .description, .vocabulary} AS props",
    )
    created, updated = _sort_out(records, found)
    rows = created + updated
    if rows:
        await tx.run(
            "UNWIND $rows AS row "
            "MERGE (t:TaxonomyTerm {id: row.id}) "
            "ON CREATE SET t.createdAt = datetime(), t.hsdsId = row.hsdsId "
            "SET t += row.props, t.updatedAt = datetime()",
            rows=rows,
        )
    return Tally(len(created), len(updated), len(records) - len(rows))


async def _import_services(
    tx: Tx, records: list[ServiceRecord], organizations: Mapping[str, str]
) -> tuple[Tally, list[str]]:
    """Create or update services and their links; return the tally and the services' ids."""
    found = await _existing(
        tx,
        "Service",
        [r.id for r in records],
        [r.hsds_id for r in records],
        "x {.name, .description, .eligibility, .languages} AS props, "
        "x.availability AS availability, "
        "COLLECT { MATCH (o:Organization)-[:OFFERS]->(x) RETURN o.id }[0] AS organizationId, "
        "COLLECT { MATCH (x)-[:ADDRESSES]->(n:Need) RETURN n.code ORDER BY n.code } AS needs, "
        "COLLECT { MATCH (x)-[:CATEGORIZED_AS]->(t:TaxonomyTerm) RETURN t.id ORDER BY t.id } "
        "AS terms",
    )
    created: list[dict[str, Any]] = []
    changed_props: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    needs: list[dict[str, Any]] = []
    terms: list[dict[str, Any]] = []
    availability: list[dict[str, Any]] = []
    touched: set[str] = set()
    ids: list[str] = []
    for record in records:
        organization_id = organizations.get(record.organization_hsds_id)
        if organization_id is None:
            raise NotFound(
                f"service {record.hsds_id} ({record.props['name']!r}) belongs to organization "
                f"{record.organization_hsds_id}, which is neither in the source nor in Maillage.",
                field="organization_id",
                record=record.hsds_id,
            )
        current = _match(found, record.hsds_id, record.id)
        node_id = record.id if current is None else current["id"]
        ids.append(node_id)
        row = {"id": node_id, "hsdsId": record.hsds_id, "props": record.props}
        if current is None:
            created.append({**row, "organizationId": organization_id})
        else:
            if _differs(current["props"], record.props) or current["hsdsId"] is None:
                changed_props.append(row)
                touched.add(node_id)
            if current["organizationId"] != organization_id:
                moved.append({"id": node_id, "organizationId": organization_id})
                touched.add(node_id)
        if current is None or current["needs"] != record.need_codes:
            needs.append({"id": node_id, "codes": record.need_codes})
            touched.add(node_id)
        if current is None or current["terms"] != record.term_ids:
            terms.append({"id": node_id, "termIds": record.term_ids})
            touched.add(node_id)
        new = availability_to_record(
            None if current is None else current["availability"], record.availability
        )
        if new is not None:
            availability.append({"id": node_id, "availability": new})
            touched.add(node_id)

    if created:
        await tx.run(
            "UNWIND $rows AS row MATCH (o:Organization {id: row.organizationId}) "
            "CREATE (o)-[:OFFERS]->(s:Service {id: row.id, hsdsId: row.hsdsId, "
            "createdAt: datetime()}) "
            "SET s += row.props, s.updatedAt = s.createdAt",
            rows=created,
        )
    if changed_props:
        await tx.run(
            "UNWIND $rows AS row MATCH (s:Service {id: row.id}) "
            "SET s += row.props, s.hsdsId = coalesce(s.hsdsId, row.hsdsId)",
            rows=changed_props,
        )
    if moved:
        await tx.run(
            "UNWIND $rows AS row MATCH (s:Service {id: row.id}) "
            "OPTIONAL MATCH (:Organization)-[old:OFFERS]->(s) DELETE old "
            "WITH DISTINCT s, row MATCH (o:Organization {id: row.organizationId}) "
            "CREATE (o)-[:OFFERS]->(s)",
            rows=moved,
        )
    if needs:
        await tx.run(
            "UNWIND $rows AS row MATCH (s:Service {id: row.id}) "
            "OPTIONAL MATCH (s)-[old:ADDRESSES]->(:Need) DELETE old "
            "WITH DISTINCT s, row UNWIND row.codes AS code MATCH (n:Need {code: code}) "
            "MERGE (s)-[:ADDRESSES]->(n)",
            rows=needs,
        )
    if terms:
        await tx.run(
            "UNWIND $rows AS row MATCH (s:Service {id: row.id}) "
            "OPTIONAL MATCH (s)-[old:CATEGORIZED_AS]->(:TaxonomyTerm) DELETE old "
            "WITH DISTINCT s, row UNWIND row.termIds AS termId "
            "MATCH (t:TaxonomyTerm {id: termId}) MERGE (s)-[:CATEGORIZED_AS]->(t)",
            rows=terms,
        )
    if availability:
        # The same history as graph/directory/services.py: the current value and a dated change.
        await tx.run(
            "UNWIND $rows AS row MATCH (s:Service {id: row.id}) "
            "SET s.availability = row.availability, s.availabilityChangedAt = datetime() "
            "CREATE (s)-[:HAS_AVAILABILITY]->(:AvailabilityChange {id: randomUUID(), "
            "availability: row.availability, at: datetime()})",
            rows=availability,
        )
    updated_ids = sorted(touched - {row["id"] for row in created})
    if updated_ids:
        await tx.run(
            "UNWIND $ids AS id MATCH (s:Service {id: id}) SET s.updatedAt = datetime()",
            ids=updated_ids,
        )
    tally = Tally(len(created), len(updated_ids), len(records) - len(created) - len(updated_ids))
    return tally, ids


async def _check_names(tx: Tx, organization_ids: list[str], service_ids: list[str]) -> None:
    """The directory's name rules hold after the import, or it is rolled back."""
    clash = await tx.row(
        "UNWIND $ids AS id MATCH (s:Service {id: id})<-[:OFFERS]-(o:Organization) "
        "MATCH (o)-[:OFFERS]->(x:Service) WHERE x <> s AND toLower(x.name) = toLower(s.name) "
        "RETURN s.hsdsId AS record, s.name AS name, o.name AS organization LIMIT 1",
        ids=service_ids,
    )
    if clash is not None:
        raise Conflict(
            f"service {clash['record']}: {clash['organization']} would offer two services "
            f"named {clash['name']!r}.",
            field="name",
            record=clash["record"],
        )
    clash = await tx.row(
        "UNWIND $ids AS id "
        "MATCH (o:Organization {id: id})-[m:MEMBER_OF]->(n:Network)<-[m2:MEMBER_OF]-(x) "
        "WHERE x <> o AND toLower(x.name) = toLower(o.name) "
        "AND (m.until IS NULL OR m.until >= date()) AND (m2.until IS NULL OR m2.until >= date()) "
        "RETURN o.hsdsId AS record, o.name AS name, n.name AS network LIMIT 1",
        ids=organization_ids,
    )
    if clash is not None:
        raise Conflict(
            f"organization {clash['record']}: {clash['network']} already has a member named "
            f"{clash['name']!r}.",
            field="name",
            record=clash["record"],
        )


async def import_directory(
    db: Database, directory: HsdsDirectory, *, kind_default: str = "OTHER"
) -> ImportCounts:
    """Create or update the directory's records in one transaction.

    New organizations get ``kind_default`` (HSDS has no organization kind); an
    existing organization keeps its kind, active flag and memberships.

    Raises
    ------
    BadUserInput
        A record Maillage would refuse from its own API (empty name, language
        that is no code…); the message names the record.
    NotFound
        A service of an organization neither in the source nor in Maillage.
    Conflict
        Two services of one organization, or two members of one network,
        would share a name.
    """
    kind = check_enum(kind_default, OrganizationKind, "kind").value
    organizations = [organization_record(o) for o in directory.organizations]
    services = [service_record(s) for s in directory.services]
    terms = extra_term_records(directory)
    owners = {s.organization_hsds_id for s in services}

    async def work(tx: Tx) -> ImportCounts:
        org_tally, node_ids, updated = await _import_organizations(tx, organizations, owners, kind)
        term_tally = await _import_terms(tx, terms)
        service_tally, service_ids = await _import_services(tx, services, node_ids)
        await _check_names(tx, updated, service_ids)
        return ImportCounts(org_tally, service_tally, term_tally, directory.unmapped)

    return await db.write(work)


# ---------------------------------------------------------------- export


async def export_directory(
    db: Database, out_dir: Path, *, network_id: str | None = None
) -> ExportCounts:
    """Write the active organizations (of one network, if given) and their services as HSDS.

    ``organizations.json`` lists HSDS ``organization`` objects and
    ``services.json`` HSDS ``service`` objects with their organization
    embedded, both sorted by name. Ids are Maillage ids, which are UUIDs.
    """
    nid = check_id(network_id, "network") if network_id is not None else None

    async def work(tx: Tx) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if (
            nid is not None
            and await tx.row("MATCH (n:Network {id: $id}) RETURN n.id AS id", id=nid) is None
        ):
            raise NotFound(f"No network with id {nid}.", field="network")
        organizations = await tx.rows(
            "MATCH (o:Organization) WHERE o.active "
            "AND ($network IS NULL OR EXISTS { MATCH (o)-[m:MEMBER_OF]->(:Network {id: $network}) "
            "     WHERE m.until IS NULL OR m.until >= date() }) "
            "RETURN o {.id, .name, .description, .email, .website, .languages} AS organization "
            "ORDER BY toLower(o.name), o.id",
            network=nid,
        )
        services = await tx.rows(
            "MATCH (o:Organization)-[:OFFERS]->(s:Service) WHERE o.id IN $ids "
            "RETURN s {.id, .name, .description, .eligibility, .languages, .availability, "
            "organizationId: o.id, "
            "needCodes: COLLECT { MATCH (s)-[:ADDRESSES]->(n:Need) "
            "                     RETURN n.code ORDER BY n.code }, "
            "terms: COLLECT { MATCH (s)-[:CATEGORIZED_AS]->(t:TaxonomyTerm) "
            "                 RETURN t {.id, .name, .code, .description, .vocabulary} "
            "                 ORDER BY t.id }} AS service "
            "ORDER BY toLower(o.name), o.id, toLower(s.name), s.id",
            ids=[row["organization"]["id"] for row in organizations],
        )
        return organizations, services

    organization_rows, service_rows = await db.read(work)
    owners = {
        row["organization"]["id"]: directory_organization(row["organization"])
        for row in organization_rows
    }
    organizations = [to_hsds_organization(owner) for owner in owners.values()]
    services = [
        to_hsds_service(service, owners[service.organization_id or ""])
        for service in (directory_service(row["service"]) for row in service_rows)
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    organizations_file, services_file = out_dir / "organizations.json", out_dir / "services.json"
    # What Maillage writes is checked like what it reads: a bad record names itself, not a reader.
    check_documents(organizations_file, organizations, "organization.json")
    check_documents(services_file, services, "service.json")
    files = (_write_json(organizations_file, organizations), _write_json(services_file, services))
    return ExportCounts(organizations=len(organizations), services=len(services), files=files)


def _write_json(path: Path, documents: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(documents, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
