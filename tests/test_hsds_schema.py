"""HSDS 3.0 schema checks of imports and exports (graph/hsds/schema.py), shipped schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.hsds import HsdsError
from graph.hsds.schema import EXAMPLES_DIR, SCHEMA_DIR, check_documents, check_source

SERVICE = {
    "id": "ac148810-d857-441c-9679-408f346de14b",
    "name": "Community Counselling",
    "status": "active",
}


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_schemas_and_their_licence_ship_inside_the_package() -> None:
    data = SCHEMA_DIR.parent
    assert (data.parent.parent.name, data.parent.name) == ("graph", "hsds")
    assert (data / "LICENSE").read_text(encoding="utf-8").startswith("The Human Services Data")
    assert {"organization.json", "service.json", "taxonomy_term.json"} <= {
        path.name for path in SCHEMA_DIR.glob("*.json")
    }


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES_DIR.glob("*.json")))
def test_every_specification_example_passes_the_import_check(name: str) -> None:
    check_source(EXAMPLES_DIR / name)


def test_a_service_with_a_bad_email_names_file_record_and_field(tmp_path: Path) -> None:
    source = write(tmp_path / "services.json", [SERVICE, {**SERVICE, "email": "not an address"}])
    with pytest.raises(HsdsError) as caught:
        check_source(source)
    message = str(caught.value)
    assert message.startswith(f"{source}: [1] (record {SERVICE['id']})")
    assert "field email: 'not an address' is not a 'email'" in message


def test_a_record_in_a_page_is_found_by_its_position(tmp_path: Path) -> None:
    bad = {"id": "x", "name": "Organisme", "description": "d", "email": "nope"}
    source = write(tmp_path / "page.json", {"contents": [bad], "total_items": 1})
    with pytest.raises(HsdsError, match=r"contents\[0\] \(record x\).*field (email|id)"):
        check_source(source)


def test_an_export_that_breaks_the_schema_is_refused_before_it_is_written(tmp_path: Path) -> None:
    target = tmp_path / "services.json"
    with pytest.raises(HsdsError, match=r"\[0\] \(record without id\).*field <root>: 'id'"):
        check_documents(target, [{"name": "Sans identifiant", "status": "active"}], "service.json")
    check_documents(target, [SERVICE], "service.json")  # a valid one passes
