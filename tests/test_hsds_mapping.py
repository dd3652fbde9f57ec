"""HSDS 3.0 <-> Maillage directory records (graph/hsds/__init__.py).

Expected values are read by hand from the Open Referral examples in
``graph/hsds/data/examples``; every record mapped back to HSDS is validated
against the Open Referral schemas in ``graph/hsds/data/schema``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.errors import BadUserInput
from domain.vocabulary import Availability
from graph.hsds import (
    DirectoryOrganization,
    DirectoryService,
    HsdsDirectory,
    HsdsError,
    TaxonomyTerm,
    read_hsds,
    to_hsds_organization,
    to_hsds_service,
)
from graph.hsds.schema import EXAMPLES_DIR, schema_errors

ORGANIZATION_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
TERM_ID = "3f7b145d-84af-42d7-8fae-eaca714b02b2"
ORGANIZATION_NAME = "Example Organization Inc."
ORGANIZATION_DESCRIPTION = (
    "Example Org is a non-profit organization dedicated to providing services to "
    "qualified beneficiaries"
)
SERVICE_NAME = "Community Counselling"
SERVICE_DESCRIPTION = (
    "Counselling Services provided by trained professionals. Suitable for people with "
    "mental health conditions such as anxiety, depression, or eating disorders as well as "
    "people experiencing difficult life events and circumstances. "
)
SERVICE_ELIGIBILITY = (
    "This service is intended for all people aged 12 and over who require counselling "
    "services in the MyCity area"
)

# example -> (organization ids, service ids, taxonomy term ids), read from the files.
EXAMPLES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "organization_full.json": ((ORGANIZATION_ID,), (SERVICE_ID,), (TERM_ID,)),
    "organization_list.json": ((ORGANIZATION_ID,), (), ()),
    "service_full.json": ((ORGANIZATION_ID,), (SERVICE_ID,), (TERM_ID,)),
    "service_list.json": ((ORGANIZATION_ID,), (SERVICE_ID,), ()),
    "service_at_location_full.json": ((ORGANIZATION_ID,), (SERVICE_ID,), (TERM_ID,)),
    "service_at_location_list.json": ((ORGANIZATION_ID,), (SERVICE_ID,), ()),
    "taxonomy_term.json": ((), (), (TERM_ID,)),
    "taxonomy_term_list.json": ((), (), (TERM_ID,)),
    "taxonomy.json": ((), (), ()),
    "taxonomy_list.json": ((), (), ()),
    "location.json": ((), (), ()),
    "base.json": ((), (), ()),
    "tabular.json": ((ORGANIZATION_ID,), (SERVICE_ID,), (TERM_ID,)),
    "csv": ((ORGANIZATION_ID,), (SERVICE_ID,), (TERM_ID,)),
}
WITH_ORGANIZATION = [name for name, (orgs, _, _) in EXAMPLES.items() if orgs]
WITH_SERVICE = [name for name, (_, services, _) in EXAMPLES.items() if services]


@pytest.fixture(scope="session")
def examples() -> Path:
    """The specification's examples, shipped beside the schemas in ``graph/hsds/data``."""
    return EXAMPLES_DIR


def read_example(examples: Path, name: str) -> HsdsDirectory:
    return read_hsds(examples / name)


def hsds_documents(directory: HsdsDirectory) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record of a directory as (schema file, HSDS document)."""
    organizations = {organization.id: organization for organization in directory.organizations}
    for organization in directory.organizations:
        yield "organization.json", to_hsds_organization(organization)
    for service in directory.services:
        assert service.organization_id is not None
        yield "service.json", to_hsds_service(service, organizations[service.organization_id])


# ------------------------------------------------------------ Maillage records

FAMILY_HOUSE = {
    "id": "6f1c2a53-0d55-4c57-9a43-2f0d7c0e9b11",
    "name": "Maison de la famille du quartier",
    "kind": "COMMUNITY",
    "description": "Accueil des familles, halte-garderie et cuisines collectives.",
    "languages": ["fr", "en"],
    "territoryId": None,
    "active": True,
    "createdAt": "2025-03-01T14:05:00Z",
}
KITCHEN = {
    "id": "0b7e4a8e-6c1d-4a8f-8f62-1c3a9e5d2f40",
    "organizationId": FAMILY_HOUSE["id"],
    "name": "Cuisines collectives",
    "description": "Cuisiner en groupe à petit prix.",
    "eligibility": "Familles du quartier",
    "languages": ["fr", "ar"],
    "availability": "WAITLIST",
    "needCodes": ["FOOD_SECURITY", "SOCIAL_ISOLATION"],
    "territoryIds": [],
    "createdAt": "2025-03-01T14:05:00Z",
}
DROP_IN = {
    "id": "9a3d6c1e-2b4f-4e8a-b1c7-5d2e8f0a6b93",
    "organizationId": FAMILY_HOUSE["id"],
    "name": "Halte-garderie",
    "description": "",
    "eligibility": None,
    "languages": [],
    "availability": "CLOSED",
    "needCodes": ["CHILDCARE"],
    "territoryIds": [],
    "createdAt": "2025-03-01T14:05:00Z",
}


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_hsds(path: Path, directory: HsdsDirectory) -> Path:
    return write_json(path, [document for _, document in hsds_documents(directory)])


# ------------------------------------------------------------ the examples


def test_every_shipped_example_has_hand_read_expectations(examples: Path) -> None:
    shipped = {path.name for path in examples.glob("*.json")} | {"csv"}
    assert shipped == set(EXAMPLES)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_reads_to_the_records_written_in_it(examples: Path, name: str) -> None:
    organization_ids, service_ids, term_ids = EXAMPLES[name]
    directory = read_example(examples, name)
    assert tuple(organization.id for organization in directory.organizations) == organization_ids
    assert tuple(service.id for service in directory.services) == service_ids
    assert tuple(term.id for term in directory.taxonomy_terms) == term_ids


@pytest.mark.parametrize("name", WITH_ORGANIZATION)
def test_example_organization_keeps_name_description_and_contact(examples: Path, name: str) -> None:
    (organization,) = read_example(examples, name).organizations
    assert organization.name == ORGANIZATION_NAME
    assert organization.description == ORGANIZATION_DESCRIPTION
    assert organization.email == "email@example.com"
    assert organization.website == "http://example.com"


@pytest.mark.parametrize("name", WITH_SERVICE)
def test_example_service_is_an_open_service_of_the_example_organization(
    examples: Path, name: str
) -> None:
    (service,) = read_example(examples, name).services
    assert service.name == SERVICE_NAME
    assert service.description == SERVICE_DESCRIPTION
    assert service.organization_id == ORGANIZATION_ID
    assert service.eligibility == SERVICE_ELIGIBILITY
    assert service.availability is Availability.OPEN  # "status": "active"


@pytest.mark.parametrize(
    ("name", "languages"),
    [
        pytest.param("organization_full.json", ("ur",), id="nested-in-organization"),
        pytest.param("service_full.json", ("ur",), id="service-full"),
        pytest.param("service_list.json", (), id="list-without-languages"),
        pytest.param("tabular.json", ("ur",), id="tabular-json"),
        pytest.param("csv", ("ur",), id="csv-languages-table"),
    ],
)
def test_service_languages_are_the_codes_of_its_language_entries(
    examples: Path, name: str, languages: tuple[str, ...]
) -> None:
    (service,) = read_example(examples, name).services
    assert service.languages == languages


@pytest.mark.parametrize(
    ("name", "languages"),
    [
        pytest.param("organization_full.json", ("ur",), id="locations-and-phones"),
        pytest.param("organization_list.json", (), id="no-locations"),
        # languages.csv names phone 1554f2e2…, which phones.csv gives to the organization.
        pytest.param("csv", ("ur",), id="csv-through-phones"),
    ],
)
def test_organization_languages_are_those_of_its_locations_and_phones(
    examples: Path, name: str, languages: tuple[str, ...]
) -> None:
    (organization,) = read_example(examples, name).organizations
    assert organization.languages == languages


@pytest.mark.parametrize("name", ["organization_full.json", "service_full.json"])
def test_example_term_matching_no_need_stays_an_extra_term_of_its_service(
    examples: Path, name: str
) -> None:
    (service,) = read_example(examples, name).services
    assert service.need_codes == ()
    assert service.taxonomy_terms == (
        TaxonomyTerm(
            id=TERM_ID, name="name", code="code", description="description", vocabulary="name"
        ),
    )


def test_tabular_attribute_linking_to_no_known_service_attaches_no_term(examples: Path) -> None:
    # attributes.csv links the term to f28dd44b…, which is not the service ac148810….
    directory = read_example(examples, "csv")
    (service,) = directory.services
    assert service.taxonomy_terms == ()
    assert service.need_codes == ()
    assert "attributes" in directory.unmapped


def test_tabular_term_vocabulary_falls_back_to_its_taxonomy_column(examples: Path) -> None:
    # taxonomy_terms.csv names taxonomy 07ff6aee…, which taxonomies.csv does not define.
    (term,) = read_example(examples, "csv").taxonomy_terms
    assert (term.code, term.name, term.vocabulary) == ("code", "name", "taxonomy")


def test_csv_folder_lists_every_table_maillage_leaves_out(examples: Path) -> None:
    assert read_example(examples, "csv").unmapped == (
        "accessibility",
        "addresses",
        "attributes",
        "contacts",
        "cost_options",
        "funding",
        "locations",
        "meta_table_descriptions",
        "metadata",
        "organization_identifiers",
        "phones",
        "programs",
        "required_documents",
        "schedules",
        "service_areas",
        "service_at_location",
        "taxonomies",
    )


@pytest.mark.parametrize(
    ("name", "unmapped"),
    [
        pytest.param("location.json", ("locations",), id="location"),
        pytest.param("base.json", ("api_root",), id="api-root"),
        pytest.param("taxonomy.json", ("taxonomies",), id="taxonomy"),
        pytest.param("service_list.json", ("programs",), id="service-with-program"),
    ],
)
def test_objects_maillage_does_not_map_are_named_not_refused(
    examples: Path, name: str, unmapped: tuple[str, ...]
) -> None:
    assert read_example(examples, name).unmapped == unmapped


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_example_record_maps_back_to_valid_hsds(examples: Path, name: str) -> None:
    for schema_name, document in hsds_documents(read_example(examples, name)):
        assert schema_errors(document, schema_name) == []


@pytest.mark.parametrize("name", WITH_SERVICE)
def test_example_round_trip_keeps_ids_names_links_and_terms(
    examples: Path, tmp_path: Path, name: str
) -> None:
    first = read_example(examples, name)
    again = read_hsds(write_hsds(tmp_path / "export.json", first))

    def organization_fields(directory: HsdsDirectory) -> list[tuple[Any, ...]]:
        return [(o.id, o.name, o.description, o.email, o.website) for o in directory.organizations]

    def service_fields(directory: HsdsDirectory) -> list[tuple[Any, ...]]:
        return [
            (
                *(s.id, s.organization_id, s.name, s.description, s.eligibility),
                *(s.languages, s.availability, s.need_codes, s.taxonomy_terms),
            )
            for s in directory.services
        ]

    assert organization_fields(again) == organization_fields(first)
    assert service_fields(again) == service_fields(first)


# ------------------------------------------------------------ Maillage records out and back


def test_maillage_records_map_to_valid_hsds() -> None:
    assert schema_errors(to_hsds_organization(FAMILY_HOUSE), "organization.json") == []
    for service in (KITCHEN, DROP_IN):
        document = to_hsds_service(service, FAMILY_HOUSE)
        assert schema_errors(document, "service.json") == []


def test_maillage_service_needs_become_attributes_with_taxonomy_terms() -> None:
    document = to_hsds_service(KITCHEN, FAMILY_HOUSE)
    codes = [attribute["taxonomy_term"]["code"] for attribute in document["attributes"]]
    assert codes == ["FOOD_SECURITY", "SOCIAL_ISOLATION"]
    assert {attribute["link_id"] for attribute in document["attributes"]} == {KITCHEN["id"]}
    assert document["organization_id"] == FAMILY_HOUSE["id"]
    assert document["eligibility_description"] == "Familles du quartier"
    assert [language["code"] for language in document["languages"]] == ["fr", "ar"]


@pytest.mark.parametrize(
    ("availability", "status"),
    [
        pytest.param("OPEN", "active", id="open"),
        pytest.param("WAITLIST", "active", id="waitlist-still-runs"),
        pytest.param("FULL", "active", id="full-still-runs"),
        pytest.param("CLOSED", "inactive", id="closed"),
    ],
)
def test_availability_is_written_as_hsds_status(availability: str, status: str) -> None:
    document = to_hsds_service({**KITCHEN, "availability": availability}, FAMILY_HOUSE)
    assert document["status"] == status


def test_maillage_records_round_trip_with_their_need_codes(tmp_path: Path) -> None:
    documents = [to_hsds_organization(FAMILY_HOUSE)]
    documents += [to_hsds_service(service, FAMILY_HOUSE) for service in (KITCHEN, DROP_IN)]
    directory = read_hsds(write_json(tmp_path / "maillage.json", documents))

    (organization,) = directory.organizations
    assert (organization.id, organization.name, organization.description) == (
        FAMILY_HOUSE["id"],
        FAMILY_HOUSE["name"],
        FAMILY_HOUSE["description"],
    )
    kitchen, drop_in = directory.services
    assert (kitchen.id, kitchen.organization_id, kitchen.name) == (
        KITCHEN["id"],
        FAMILY_HOUSE["id"],
        "Cuisines collectives",
    )
    assert kitchen.need_codes == ("FOOD_SECURITY", "SOCIAL_ISOLATION")
    assert kitchen.taxonomy_terms == ()
    assert kitchen.languages == ("fr", "ar")
    assert kitchen.availability is Availability.OPEN  # HSDS has no waiting list status
    assert (drop_in.need_codes, drop_in.availability) == (("CHILDCARE",), Availability.CLOSED)


def test_export_is_stable_and_keeps_hsds_ids() -> None:
    service = DirectoryService(
        id=SERVICE_ID,
        organization_id=ORGANIZATION_ID,
        name=SERVICE_NAME,
        languages=("ur",),
        need_codes=("HEALTH",),
        taxonomy_terms=(TaxonomyTerm(id=TERM_ID, name="name", code="code"),),
    )
    organization = DirectoryOrganization(id=ORGANIZATION_ID, name=ORGANIZATION_NAME)
    first = to_hsds_service(service, organization)
    assert first == to_hsds_service(service, organization)
    assert (first["id"], first["organization"]["id"]) == (SERVICE_ID, ORGANIZATION_ID)
    assert [a["taxonomy_term_id"] for a in first["attributes"]][1] == TERM_ID


def test_service_of_another_organization_is_refused() -> None:
    stranger = {**FAMILY_HOUSE, "id": "11111111-2222-4333-8444-555555555555"}
    with pytest.raises(ValueError, match="belongs to organization"):
        to_hsds_service(KITCHEN, stranger)


def test_schema_validation_catches_missing_status_and_bad_formats() -> None:
    document = to_hsds_service(KITCHEN, FAMILY_HOUSE)
    del document["status"]
    document["organization"]["id"] = "not-a-uuid"
    document["organization"]["website"] = "maison famille dot org"
    assert schema_errors(document, "service.json") == [
        "<root>: 'status' is a required property",
        "organization/id: 'not-a-uuid' is not a 'uuid'",
        "organization/website: 'maison famille dot org' is not a 'uri'",
    ]


# ------------------------------------------------------------ need codes and status


def service_with_terms(*terms: dict[str, Any], status: str | None = "active") -> dict[str, Any]:
    service: dict[str, Any] = {"id": SERVICE_ID, "organization_id": ORGANIZATION_ID}
    service["name"] = SERVICE_NAME
    if status is not None:
        service["status"] = status
    service["attributes"] = [
        {"id": f"00000000-0000-4000-8000-00000000000{index}", "taxonomy_term": term}
        for index, term in enumerate(terms)
    ]
    return service


@pytest.mark.parametrize(
    ("term", "need"),
    [
        pytest.param({"code": "HOUSING", "name": "Logement social"}, "HOUSING", id="code"),
        pytest.param({"code": "housing", "name": "Abri"}, "HOUSING", id="code-any-case"),
        pytest.param({"code": "food-security", "name": "x"}, "FOOD_SECURITY", id="code-spelled"),
        pytest.param({"name": "Food security"}, "FOOD_SECURITY", id="english-label"),
        pytest.param({"name": "SANTÉ MENTALE"}, "MENTAL_HEALTH", id="french-label-upper"),
        pytest.param({"code": "BD-1800", "name": "Transportation"}, "TRANSPORT", id="label-2nd"),
        pytest.param({"code": "BD-1800", "name": "Counselling"}, None, id="no-need"),
    ],
)
def test_terms_naming_a_maillage_need_become_its_code(
    tmp_path: Path, term: dict[str, Any], need: str | None
) -> None:
    term = {"id": TERM_ID, "description": "", **term}
    path = write_json(tmp_path / "service.json", service_with_terms(term))
    (service,) = read_hsds(path).services
    if need is None:
        assert service.need_codes == ()
        assert [extra.code for extra in service.taxonomy_terms] == [term.get("code")]
    else:
        assert service.need_codes == (need,)
        assert service.taxonomy_terms == ()


def test_terms_naming_the_same_need_give_it_once(tmp_path: Path) -> None:
    terms = [
        {"id": TERM_ID, "name": "Housing", "description": ""},
        {"id": "4a7f5a40-0000-4000-8000-000000000001", "name": "Logement", "description": ""},
    ]
    (service,) = read_hsds(write_json(tmp_path / "s.json", service_with_terms(*terms))).services
    assert service.need_codes == ("HOUSING",)


def test_attribute_naming_a_term_by_id_uses_the_term_defined_in_the_same_file(
    tmp_path: Path,
) -> None:
    service = service_with_terms()
    service["attributes"] = [{"id": TERM_ID[:-1] + "0", "taxonomy_term_id": TERM_ID}]
    term = {"id": TERM_ID, "code": "EMPLOYMENT", "name": "Jobs", "description": ""}
    (read,) = read_hsds(write_json(tmp_path / "list.json", [service, term])).services
    assert read.need_codes == ("EMPLOYMENT",)


@pytest.mark.parametrize(
    ("status", "availability"),
    [
        pytest.param("active", Availability.OPEN, id="active"),
        pytest.param("inactive", Availability.CLOSED, id="inactive"),
        pytest.param("defunct", Availability.CLOSED, id="defunct"),
        pytest.param("temporarily closed", Availability.CLOSED, id="temporarily-closed"),
        pytest.param("Temporarily  Closed", Availability.CLOSED, id="any-case-and-spacing"),
        pytest.param(None, Availability.OPEN, id="missing-is-running"),
    ],
)
def test_hsds_status_gives_the_availability(
    tmp_path: Path, status: str | None, availability: Availability
) -> None:
    path = write_json(tmp_path / "service.json", service_with_terms(status=status))
    (service,) = read_hsds(path).services
    assert service.availability is availability


# ------------------------------------------------------------ malformed sources


def test_hsds_error_is_a_bad_user_input_with_code_and_message(tmp_path: Path) -> None:
    path = tmp_path / "services.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(HsdsError) as caught:
        read_hsds(path)
    assert isinstance(caught.value, BadUserInput)
    assert caught.value.code == "BAD_USER_INPUT"
    assert caught.value.extensions["file"] == str(path)


def test_bad_json_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "organizations.json"
    path.write_text('{\n  "id": "x",\n  "name": \n}\n', encoding="utf-8")
    with pytest.raises(HsdsError, match=r"organizations\.json, line 4: is not valid JSON"):
        read_hsds(path)


def test_unknown_status_names_the_file_and_record(tmp_path: Path) -> None:
    path = write_json(tmp_path / "page.json", {"contents": [service_with_terms(status="open")]})
    with pytest.raises(HsdsError, match=r"page\.json: contents\[0\]: service status 'open'"):
        read_hsds(path)


def test_json_that_is_no_hsds_object_names_the_file(tmp_path: Path) -> None:
    path = write_json(tmp_path / "people.json", {"first": "Ann", "last": "Persona"})
    with pytest.raises(HsdsError, match=r"people\.json: not an HSDS organization"):
        read_hsds(path)


def test_list_item_that_is_no_object_names_its_position(tmp_path: Path) -> None:
    path = write_json(tmp_path / "list.json", [to_hsds_organization(FAMILY_HOUSE), "oops"])
    with pytest.raises(HsdsError, match=r"list\.json: \[1\]: expected an HSDS object, found str"):
        read_hsds(path)


def test_organization_without_id_names_where_it_sits(tmp_path: Path) -> None:
    service = {"id": SERVICE_ID, "name": "x", "status": "active", "organization": {"name": "y"}}
    path = write_json(tmp_path / "service.json", service)
    with pytest.raises(HsdsError, match=r"service\.json: \.organization: organization has no id"):
        read_hsds(path)


def copy_csv_folder(examples: Path, target: Path) -> Path:
    target.mkdir()
    for table in (examples / "csv").glob("*.csv"):
        (target / table.name).write_bytes(table.read_bytes())
    return target


def test_csv_table_missing_a_required_column_names_file_and_line(
    examples: Path, tmp_path: Path
) -> None:
    folder = copy_csv_folder(examples, tmp_path / "csv")
    services = (folder / "services.csv").read_text(encoding="utf-8")
    (folder / "services.csv").write_text(
        services.replace("id,organization_id,program_id,", "id,program_id,", 1).replace(
            f"{SERVICE_ID},{ORGANIZATION_ID},", f"{SERVICE_ID},", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(HsdsError, match=r"services\.csv, line 1: .*organization_id") as caught:
        read_hsds(folder)
    assert caught.value.line == 1


def test_csv_row_without_a_name_names_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "organizations.csv").write_text(
        "id,name,description\n"
        f'{ORGANIZATION_ID},"Maison, famille","Accueil\nsur deux lignes"\n'
        "6f1c2a53-0d55-4c57-9a43-2f0d7c0e9b11,,Sans nom\n",
        encoding="utf-8",
    )
    with pytest.raises(HsdsError, match=r"organizations\.csv, line 4: organization has no name"):
        read_hsds(folder)


def test_folder_without_organizations_or_services_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(HsdsError, match=r"neither organizations\.csv nor services\.csv"):
        read_hsds(tmp_path)


def test_single_csv_table_asks_for_its_folder(examples: Path) -> None:
    with pytest.raises(HsdsError, match=r"services\.csv: is a single CSV table"):
        read_hsds(examples / "csv" / "services.csv")


def test_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(HsdsError, match=r"absent\.json: no such file or folder"):
        read_hsds(tmp_path / "absent.json")
