"""HSDS in the database (graph/hsds/store.py): import, re-import, export and round trip.

Every shipped Open Referral example is imported with its ids replaced by
fresh UUIDs, so the tests share the database with others without meeting
their records. Expected counts are those read by hand in
``tests/test_hsds_mapping.EXAMPLES``; every exported record is validated
against the HSDS 3.0 schemas.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.errors import BadUserInput, Conflict, NotFound
from domain.vocabulary import Availability
from graph.db import Database
from graph.directory import networks, services
from graph.hsds import (
    DirectoryOrganization,
    DirectoryService,
    HsdsDirectory,
    TaxonomyTerm,
    read_hsds,
)
from graph.hsds.records import maillage_id
from graph.hsds.schema import schema_errors
from graph.hsds.store import Tally, export_directory, import_directory
from tests.conftest import World, unique
from tests.test_hsds_mapping import (
    EXAMPLES,
    WITH_SERVICE,
    examples,
    read_example,
)

# The examples fixture, imported from test_hsds_mapping to be used here.
__all__ = ["examples"]


def with_fresh_ids(directory: HsdsDirectory) -> HsdsDirectory:
    """The same directory with every id replaced by a UUID of this call's own."""
    salt = uuid.uuid4().hex

    def fresh(old: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{salt}:{old}"))

    def terms(items: tuple[TaxonomyTerm, ...]) -> tuple[TaxonomyTerm, ...]:
        return tuple(replace(term, id=fresh(term.id)) for term in items)

    return replace(
        directory,
        organizations=tuple(replace(o, id=fresh(o.id)) for o in directory.organizations),
        services=tuple(
            replace(
                s,
                id=fresh(s.id),
                organization_id=None if s.organization_id is None else fresh(s.organization_id),
                taxonomy_terms=terms(s.taxonomy_terms),
            )
            for s in directory.services
        ),
        taxonomy_terms=terms(directory.taxonomy_terms),
    )


def record_ids(directory: HsdsDirectory) -> list[str]:
    terms = {t.id for t in directory.taxonomy_terms}
    terms |= {t.id for s in directory.services for t in s.taxonomy_terms}
    return [
        *(o.id for o in directory.organizations),
        *(s.id for s in directory.services),
        *sorted(terms),
    ]


async def snapshot(db: Database, ids: list[str]) -> list[dict[str, Any]]:
    """Every property and relationship of the records with these ids (updatedAt included)."""
    return await db.rows(
        "CALL () { MATCH (x:Organization) WHERE x.id IN $ids RETURN x "
        "UNION MATCH (x:Service) WHERE x.id IN $ids RETURN x "
        "UNION MATCH (x:TaxonomyTerm) WHERE x.id IN $ids RETURN x } "
        "RETURN labels(x) AS labels, properties(x) AS props, "
        "COLLECT { MATCH (x)-[r]-(y) "
        "          RETURN [type(r), startNode(r) = x, coalesce(y.id, ''), y.availability] "
        "          ORDER BY type(r), y.id } AS links "
        "ORDER BY x.id",
        ids=ids,
    )


async def stored_service(db: Database, service_id: str) -> dict[str, Any]:
    row = await db.row(
        "MATCH (o:Organization)-[:OFFERS]->(s:Service {id: $id}) "
        "RETURN s {.*, organizationId: o.id, "
        "needs: COLLECT { MATCH (s)-[:ADDRESSES]->(n) RETURN n.code ORDER BY n.code }, "
        "terms: COLLECT { MATCH (s)-[:CATEGORIZED_AS]->(t) RETURN t.code ORDER BY t.code }, "
        "history: COLLECT { MATCH (s)-[:HAS_AVAILABILITY]->(c) "
        "                   RETURN c.availability ORDER BY c.at } } AS s",
        id=service_id,
    )
    assert row is not None, f"service {service_id} is not in the graph"
    return dict(row["s"])


def organization(name: str | None = None, **fields: Any) -> DirectoryOrganization:
    return DirectoryOrganization(id=str(uuid.uuid4()), name=name or unique("Organisme "), **fields)


def service_of(owner: DirectoryOrganization, **fields: Any) -> DirectoryService:
    fields.setdefault("name", "Dépannage alimentaire")
    return DirectoryService(id=str(uuid.uuid4()), organization_id=owner.id, **fields)


# ------------------------------------------------------------ the shipped examples


@pytest.mark.parametrize("name", list(EXAMPLES))
async def test_example_import_creates_its_records_and_a_second_import_changes_nothing(
    db: Database, examples: Path, name: str
) -> None:
    organization_ids, service_ids, term_ids = EXAMPLES[name]
    directory = with_fresh_ids(read_example(examples, name))
    ids = record_ids(directory)

    first = await import_directory(db, directory)
    assert first.organizations == Tally(created=len(organization_ids))
    assert first.services == Tally(created=len(service_ids))
    # The example's one term names no Maillage need, so it is kept as a taxonomy term.
    assert first.taxonomy_terms == Tally(created=len(term_ids))
    assert first.unmapped == directory.unmapped
    stored = await snapshot(db, ids)
    assert len(stored) == len(ids)

    second = await import_directory(db, directory)
    assert second.organizations == Tally(unchanged=len(organization_ids))
    assert second.services == Tally(unchanged=len(service_ids))
    assert second.taxonomy_terms == Tally(unchanged=len(term_ids))
    assert await snapshot(db, ids) == stored


@pytest.mark.parametrize("name", WITH_SERVICE)
async def test_example_round_trip_exports_valid_hsds_with_the_source_key_fields(
    world: World,
    db: Database,
    examples: Path,
    tmp_path: Path,
    name: str,
) -> None:
    source = with_fresh_ids(read_example(examples, name))
    await import_directory(db, source)
    network = await world.network()
    for owner in source.organizations:
        await networks.add_network_member(db, network_id=network["id"], organization_id=owner.id)

    counts = await export_directory(db, tmp_path / "out", network_id=network["id"])

    assert (counts.organizations, counts.services) == (1, 1)
    organizations_file, services_file = counts.files
    assert (organizations_file.name, services_file.name) == ("organizations.json", "services.json")
    exported_organizations = json.loads(organizations_file.read_text(encoding="utf-8"))
    exported_services = json.loads(services_file.read_text(encoding="utf-8"))
    for document in exported_organizations:
        assert schema_errors(document, "organization.json") == []
    for document in exported_services:
        assert schema_errors(document, "service.json") == []

    again = read_hsds(services_file)
    ((source_org,), (source_service,)) = (source.organizations, source.services)
    ((exported_org,), (exported_service,)) = (again.organizations, again.services)
    assert (exported_org.id, exported_org.name, exported_org.email, exported_org.website) == (
        source_org.id,
        source_org.name,
        source_org.email,
        source_org.website,
    )
    # Maillage strips the blanks around a text, as its API does.
    assert exported_org.description == source_org.description.strip()
    assert (exported_service.id, exported_service.organization_id, exported_service.name) == (
        source_service.id,
        source_org.id,
        source_service.name,
    )
    assert exported_service.description == source_service.description.strip()
    assert exported_service.eligibility == source_service.eligibility
    assert exported_service.need_codes == source_service.need_codes
    assert exported_service.taxonomy_terms == source_service.taxonomy_terms
    assert read_hsds(organizations_file).organizations == (replace(exported_org, languages=()),)


async def test_an_exported_directory_imported_back_changes_nothing(
    world: World, db: Database, tmp_path: Path
) -> None:
    network = await world.network()
    org = await world.organization(network, description="Accueil des familles")
    service = await world.service(org, needs=["PARENTING", "CHILDCARE"], availability="WAITLIST")
    await import_directory(
        db, read_hsds((await export_directory(db, tmp_path, network_id=network["id"])).files[1])
    )  # the first import records each record's hsdsId
    before = await snapshot(db, [org["id"], service["id"]])

    exported = await export_directory(db, tmp_path, network_id=network["id"])
    counts = await import_directory(db, read_hsds(exported.files[1]))

    assert (counts.organizations, counts.services) == (Tally(unchanged=1), Tally(unchanged=1))
    assert await snapshot(db, [org["id"], service["id"]]) == before
    kept = await stored_service(db, service["id"])
    assert kept["availability"] == "WAITLIST"  # HSDS "active" does not mean there is room
    assert kept["needs"] == ["CHILDCARE", "PARENTING"]


async def test_a_maillage_organization_exported_and_imported_keeps_its_kind_and_languages(
    world: World, db: Database, tmp_path: Path
) -> None:
    network = await world.network()
    org = await world.organization(network, kind="HOUSING", languages=["fr", "en"])
    exported = await export_directory(db, tmp_path, network_id=network["id"])
    counts = await import_directory(db, read_hsds(exported.files[0]), kind_default="SCHOOL")
    assert counts.organizations == Tally(updated=1)  # it now knows its HSDS id
    row = await db.row(
        "MATCH (o:Organization {id: $id}) RETURN o {.kind, .languages, .hsdsId} AS o",
        id=org["id"],
    )
    assert row == {"o": {"kind": "HOUSING", "languages": ["fr", "en"], "hsdsId": org["id"]}}


# ------------------------------------------------------------ what an import writes


async def test_import_links_needs_and_keeps_other_terms_as_taxonomy_terms(db: Database) -> None:
    owner = organization()
    counselling = TaxonomyTerm(
        id=str(uuid.uuid4()), name="Counselling", code="BD-1800", vocabulary="AIRS"
    )
    service = service_of(owner, need_codes=("HOUSING", "INCOME"), taxonomy_terms=(counselling,))
    counts = await import_directory(db, HsdsDirectory((owner,), (service,)))
    assert counts.taxonomy_terms == Tally(created=1)
    stored = await stored_service(db, service.id)
    assert stored["needs"] == ["HOUSING", "INCOME"]
    assert stored["terms"] == ["BD-1800"]
    term = await db.row(
        "MATCH (t:TaxonomyTerm {id: $id}) RETURN t {.code, .name, .vocabulary, .hsdsId} AS t",
        id=counselling.id,
    )
    assert term == {
        "t": {
            "code": "BD-1800",
            "name": "Counselling",
            "vocabulary": "AIRS",
            "hsdsId": counselling.id,
        }
    }


async def test_a_changed_source_updates_the_record_in_place(db: Database) -> None:
    owner = organization(description="Avant")
    service = service_of(owner, need_codes=("HOUSING",), languages=("fr",))
    await import_directory(db, HsdsDirectory((owner,), (service,)))
    before = await stored_service(db, service.id)

    renamed = replace(owner, description="Après", website="https://exemple.org")
    moved_needs = replace(service, need_codes=("EMPLOYMENT",), eligibility="Parents")
    counts = await import_directory(db, HsdsDirectory((renamed,), (moved_needs,)))

    assert counts.organizations == Tally(updated=1)
    assert counts.services == Tally(updated=1)
    after = await stored_service(db, service.id)
    assert (after["needs"], after["eligibility"]) == (["EMPLOYMENT"], "Parents")
    assert after["createdAt"] == before["createdAt"]
    assert after["updatedAt"] > before["updatedAt"]
    row = await db.row(
        "MATCH (o:Organization {id: $id}) RETURN o {.description, .website} AS o", id=owner.id
    )
    assert row == {"o": {"description": "Après", "website": "https://exemple.org"}}


@pytest.mark.parametrize(
    ("statuses", "set_by_staff", "history"),
    [
        pytest.param(["active"], None, ["OPEN"], id="new-active-is-open"),
        pytest.param(["inactive"], None, ["CLOSED"], id="new-inactive-is-closed"),
        pytest.param(["active", "inactive"], None, ["OPEN", "CLOSED"], id="closes"),
        pytest.param(["inactive", "active"], None, ["CLOSED", "OPEN"], id="reopens"),
        pytest.param(["active", "active"], None, ["OPEN"], id="same-twice-once"),
        pytest.param(["active", "active"], "WAITLIST", ["OPEN", "WAITLIST"], id="waitlist-stays"),
        pytest.param(["active", "active"], "FULL", ["OPEN", "FULL"], id="full-stays"),
        pytest.param(["active", "inactive"], "FULL", ["OPEN", "FULL", "CLOSED"], id="full-closes"),
    ],
)
async def test_availability_history_grows_only_when_the_hsds_status_changes(
    db: Database, statuses: list[str], set_by_staff: str | None, history: list[str]
) -> None:
    owner = organization()
    service = service_of(owner)
    for index, status in enumerate(statuses):
        availability = Availability.OPEN if status == "active" else Availability.CLOSED
        await import_directory(
            db, HsdsDirectory((owner,), (replace(service, availability=availability),))
        )
        if index == 0 and set_by_staff is not None:
            await services.set_service_availability(db, service.id, set_by_staff)
    stored = await stored_service(db, service.id)
    assert stored["history"] == history
    assert stored["availability"] == history[-1]


async def test_hsds_ids_that_are_not_uuids_get_stable_derived_ids(db: Database) -> None:
    hsds_org, hsds_service = unique("org-"), unique("svc-")
    owner = DirectoryOrganization(id=hsds_org, name=unique("Organisme "))
    service = DirectoryService(id=hsds_service, organization_id=hsds_org, name="Repas")
    await import_directory(db, HsdsDirectory((owner,), (service,)))
    org_id, service_id = maillage_id("organization", hsds_org), maillage_id("service", hsds_service)
    assert str(uuid.UUID(org_id)) == org_id != maillage_id("service", hsds_org)
    stored = await stored_service(db, service_id)
    assert (stored["hsdsId"], stored["organizationId"]) == (hsds_service, org_id)
    again = await import_directory(db, HsdsDirectory((owner,), (service,)))
    assert (again.organizations, again.services) == (Tally(unchanged=1), Tally(unchanged=1))


def test_a_uuid_hsds_id_is_kept_as_the_maillage_id() -> None:
    assert (
        maillage_id("service", "AC148810-D857-441C-9679-408F346DE14B")
        == "ac148810-d857-441c-9679-408f346de14b"
    )


async def test_a_service_of_an_organization_already_in_maillage_joins_it(
    world: World, db: Database
) -> None:
    org = await world.organization()
    service = DirectoryService(id=str(uuid.uuid4()), organization_id=org["id"], name="Halte")
    counts = await import_directory(db, HsdsDirectory(services=(service,)))
    assert counts.services == Tally(created=1)
    assert (await stored_service(db, service.id))["organizationId"] == org["id"]


# ------------------------------------------------------------ refused sources


async def test_a_service_of_an_unknown_organization_is_refused(db: Database) -> None:
    owner = organization()
    stray = DirectoryService(id=str(uuid.uuid4()), organization_id=str(uuid.uuid4()), name="x")
    directory = HsdsDirectory((owner,), (service_of(owner), stray))
    with pytest.raises(NotFound, match=rf"service {stray.id} \('x'\) belongs to organization"):
        await import_directory(db, directory)
    assert await snapshot(db, record_ids(directory)) == []  # one transaction: nothing landed


async def test_two_services_with_one_name_in_one_organization_roll_the_import_back(
    db: Database,
) -> None:
    owner = organization()
    directory = HsdsDirectory(
        (owner,), (service_of(owner, name="Repas"), service_of(owner, name="REPAS"))
    )
    with pytest.raises(Conflict, match="would offer two services named") as caught:
        await import_directory(db, directory)
    assert caught.value.extensions["field"] == "name"
    assert await snapshot(db, record_ids(directory)) == []


async def test_renaming_an_organization_onto_a_network_member_is_refused(
    world: World, db: Database
) -> None:
    network = await world.network()
    taken = await world.organization(network)
    owner = organization()
    await import_directory(db, HsdsDirectory((owner,)))
    await networks.add_network_member(
        db, network_id=network["id"], organization_id=owner.id, since=date(2024, 1, 1)
    )
    with pytest.raises(Conflict, match="already has a member named"):
        await import_directory(db, HsdsDirectory((replace(owner, name=taken["name"]),)))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"name": "x" * 201}, "name", id="name-too-long"),
        pytest.param({"website": "exemple.org"}, "website", id="website-without-scheme"),
        pytest.param({"email": "accueil at exemple"}, "email", id="email-without-at"),
        pytest.param({"languages": ("English",)}, "languages", id="language-name-not-code"),
    ],
)
async def test_a_record_the_api_would_refuse_is_refused_naming_the_record(
    db: Database, change: dict[str, Any], field: str
) -> None:
    owner = replace(organization(), **change)
    with pytest.raises(BadUserInput, match=rf"^organization {owner.id} ") as caught:
        await import_directory(db, HsdsDirectory((owner,)))
    assert caught.value.extensions == {"code": "BAD_USER_INPUT", "field": field, "record": owner.id}
    assert await snapshot(db, [owner.id]) == []


async def test_an_unknown_organization_kind_is_refused(db: Database) -> None:
    with pytest.raises(BadUserInput, match="kind 'CHARITY' is not one of"):
        await import_directory(db, HsdsDirectory((organization(),)), kind_default="CHARITY")


# ------------------------------------------------------------ export


async def test_export_of_a_network_lists_its_current_active_members_by_name(
    world: World, db: Database, tmp_path: Path
) -> None:
    network = await world.network()
    b = await world.organization(network, name=f"B {unique()}")
    a = await world.organization(network, name=f"a {unique()}")
    gone = await world.organization(name=f"C {unique()}")
    await networks.add_network_member(
        db, network_id=network["id"], organization_id=gone["id"], since=date(2020, 1, 1)
    )
    await networks.end_network_membership(
        db, network_id=network["id"], organization_id=gone["id"], until=date(2021, 1, 1)
    )
    inactive = await world.organization(network, name=f"D {unique()}")
    await db.write(
        lambda tx: tx.run(
            "MATCH (o:Organization {id: $id}) SET o.active = false", id=inactive["id"]
        )
    )
    await world.service(b, name="second", availability="CLOSED")
    await world.service(b, name="First", needs=["HOUSING"])

    counts = await export_directory(db, tmp_path, network_id=network["id"])

    organizations = json.loads(counts.files[0].read_text(encoding="utf-8"))
    exported = json.loads(counts.files[1].read_text(encoding="utf-8"))
    assert [o["id"] for o in organizations] == [a["id"], b["id"]]
    assert [(s["name"], s["status"], s["organization_id"]) for s in exported] == [
        ("First", "active", b["id"]),
        ("second", "inactive", b["id"]),
    ]
    assert [a["taxonomy_term"]["code"] for a in exported[0]["attributes"]] == ["HOUSING"]


@pytest.mark.parametrize(
    ("network_id", "error"),
    [
        pytest.param(str(uuid.uuid4()), NotFound, id="unknown-network"),
        pytest.param("table-42", BadUserInput, id="malformed-network-id"),
    ],
)
async def test_export_of_a_network_that_cannot_exist_is_refused(
    db: Database, tmp_path: Path, network_id: str, error: type[Exception]
) -> None:
    with pytest.raises(error, match="network"):
        await export_directory(db, tmp_path / "out", network_id=network_id)
    assert not (tmp_path / "out").exists()
