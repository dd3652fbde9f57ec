"""The tabular form of HSDS 3.0: a folder of CSV tables, or one JSON object of row arrays."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from graph.hsds.model import DirectoryOrganization, HsdsDirectory, HsdsError, TaxonomyTerm
from graph.hsds.reading import (
    _availability,
    _Collector,
    _prose,
    _required,
    _ServiceDraft,
    _text,
    _unique,
    _Where,
)

# Columns each table must have: the schema's `required` and `tabular_required`.
_REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "organizations.csv": ("id", "name", "description"),
    "services.csv": ("id", "organization_id", "name", "status"),
    "taxonomies.csv": ("id", "name", "description"),
    "taxonomy_terms.csv": ("id", "name", "description"),
    "attributes.csv": ("id", "link_id", "taxonomy_term_id", "link_entity"),
    "languages.csv": ("id",),
    "locations.csv": ("id", "location_type"),
    "phones.csv": ("id", "number"),
}
# Tables read only to resolve others; Maillage keeps no record of them.
_LOOKUP_TABLES = {"taxonomies.csv", "locations.csv", "phones.csv"}

_Row = dict[str, str | None]


class _CsvTables:
    """The tables of an HSDS tabular folder; rows carry their line numbers."""

    def __init__(self, folder: Path) -> None:
        self.source = folder
        self.names = {table.name for table in folder.glob("*.csv")}

    def rows(self, table: str) -> Iterator[tuple[_Where, _Row]]:
        path = self.source / table
        if table not in self.names:
            return
        required = _REQUIRED_COLUMNS[table]
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                header = [name.strip() for name in reader.fieldnames or ()]
                missing = [column for column in required if column not in header]
                if missing:
                    raise HsdsError(
                        f"the header lacks the required column(s) {', '.join(missing)}",
                        path,
                        1,
                    )
                reader.fieldnames = header
                for row in reader:
                    where = _Where(path, reader.line_num)
                    if None in row:
                        raise where.error(f"has more cells than the {len(header)} columns")
                    yield where, {key: _prose(value) for key, value in row.items()}
        except UnicodeDecodeError:
            raise HsdsError("is not UTF-8 text", path) from None
        except csv.Error as exc:
            raise HsdsError(f"is not valid CSV ({exc})", path) from None


class _JsonTables:
    """The tabular form written as one JSON object of row arrays (``tabular.json``)."""

    def __init__(self, path: Path, document: Mapping[str, list[Any]]) -> None:
        self.source = path
        self.document = document
        self.names = set(document)

    def rows(self, table: str) -> Iterator[tuple[_Where, _Row]]:
        required = _REQUIRED_COLUMNS[table]
        for index, row in enumerate(self.document.get(table, ())):
            where = _Where(self.source, at=f"{table}[{index}]")
            if not isinstance(row, dict):
                raise where.error(f"expected a row object, found {type(row).__name__}")
            missing = [column for column in required if column not in row]
            if missing:
                raise where.error(f"the row lacks the required field(s) {', '.join(missing)}")
            yield where, {str(key): _prose(value) for key, value in row.items()}


def _read_tables(tables: _CsvTables | _JsonTables) -> HsdsDirectory:
    """Map the tabular form: one table per HSDS object, linked by ids."""
    if not tables.names & {"organizations.csv", "services.csv"}:
        raise HsdsError(
            "holds neither organizations.csv nor services.csv; "
            "the HSDS tabular form needs at least one of them",
            tables.source,
        )
    collector = _Collector()
    collector.unmapped.update(
        name.removesuffix(".csv")
        for name in (tables.names - _REQUIRED_COLUMNS.keys()) | (tables.names & _LOOKUP_TABLES)
    )
    vocabularies = {
        _text(row["id"]): _text(row["name"]) for _, row in tables.rows("taxonomies.csv")
    }
    for where, row in tables.rows("taxonomy_terms.csv"):
        collector.add_term(
            TaxonomyTerm(
                id=_required(row, "id", "taxonomy term", where),
                name=_required(row, "name", "taxonomy term", where),
                code=_text(row.get("code")),
                description=row.get("description") or "",
                vocabulary=vocabularies.get(_text(row.get("taxonomy_id")))
                or _text(row.get("taxonomy")),
            )
        )
    for _, row in tables.rows("attributes.csv"):
        link_id, term_id = _text(row["link_id"]), _text(row["taxonomy_term_id"])
        if link_id and term_id:
            collector.links.append((link_id, term_id))

    # An organization's languages are those of its locations and phones.
    owners = {
        _text(row["id"]): _text(row.get("organization_id"))
        for table in ("locations.csv", "phones.csv")
        for _, row in tables.rows(table)
    }
    service_languages: dict[str, list[str]] = {}
    organization_languages: dict[str, list[str]] = {}
    for _, row in tables.rows("languages.csv"):
        language = _text(row.get("code")) or _text(row.get("name"))
        if language is None:
            continue
        if service_id := _text(row.get("service_id")):
            service_languages.setdefault(service_id, []).append(language)
        for holder in (row.get("location_id"), row.get("phone_id")):
            if owner := owners.get(_text(holder)):
                organization_languages.setdefault(owner, []).append(language)

    for where, row in tables.rows("organizations.csv"):
        organization_id = _required(row, "id", "organization", where)
        collector.add_organization(
            DirectoryOrganization(
                id=organization_id,
                name=_required(row, "name", "organization", where),
                description=row.get("description") or "",
                email=_text(row.get("email")),
                website=_text(row.get("website")),
                languages=_unique(organization_languages.get(organization_id, [])),
            )
        )
    for where, row in tables.rows("services.csv"):
        service_id = _required(row, "id", "service", where)
        collector.add_service(
            _ServiceDraft(
                id=service_id,
                organization_id=_text(row.get("organization_id")),
                name=_required(row, "name", "service", where),
                description=row.get("description") or "",
                eligibility=row.get("eligibility_description"),
                languages=service_languages.get(service_id, []),
                availability=_availability(row.get("status"), where),
            )
        )
    return collector.finish()
