"""Open Referral HSDS 3.0 to and from Maillage directory records.

`HSDS <https://docs.openreferral.org/en/latest/hsds/>`_ (Human Services Data
Specification) is how directories of community services are exchanged. This
module maps its organizations, services and taxonomy terms to Maillage's
directory records and back, with no database involved: the graph layer MERGEs
the records on their ids, so an HSDS id is kept as the record's id.

What maps to what
-----------------
- organization: ``id``, ``name``, ``description``, ``email``, ``website``;
  HSDS has no organization-level languages, so Maillage takes the languages of
  the organization's own locations and phones.
- service: ``id``, ``organization_id`` (or the enclosing organization),
  ``name``, ``description``, ``eligibility_description``, ``languages``;
  ``status`` gives the availability (active → OPEN, inactive, defunct and
  temporarily closed → CLOSED); taxonomy terms attached through ``attributes``
  become need codes when their code or name is a Maillage need (code, French
  or English label, case-insensitive), and stay as extra taxonomy terms
  otherwise.
- Everything else (locations, schedules, contacts, programs…) is listed by
  table name in :attr:`HsdsDirectory.unmapped` so an import can say what it
  left out.

Sources are the nested JSON form (one object, a list, an API page) and the
tabular form, as a folder of CSV files or as one JSON object of row arrays.

Export writes WAITLIST and FULL as ``active`` (the service still runs; HSDS has
no capacity status), so those two come back as OPEN.
"""

from __future__ import annotations

import csv
import json
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.errors import BadUserInput
from domain.vocabulary import NEEDS, Availability

__all__ = [
    "DirectoryOrganization",
    "DirectoryService",
    "HsdsDirectory",
    "HsdsError",
    "TaxonomyTerm",
    "kind_of",
    "read_hsds",
    "to_hsds_organization",
    "to_hsds_service",
]


class HsdsError(BadUserInput):
    """An HSDS source Maillage cannot read; the message names the file (and line)."""

    def __init__(self, message: str, path: Path | str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        details: dict[str, Any] = {"file": str(path)}
        if line is not None:
            details["line"] = line
        super().__init__(f"{where}: {message}", **details)
        self.path = Path(path)
        self.line = line


@dataclass(frozen=True)
class TaxonomyTerm:
    """An HSDS taxonomy term; ``vocabulary`` is the name of its taxonomy."""

    id: str
    name: str
    code: str | None = None
    description: str = ""
    vocabulary: str | None = None


@dataclass(frozen=True)
class DirectoryOrganization:
    """An organization as Maillage's directory holds it."""

    id: str
    name: str
    description: str = ""
    email: str | None = None
    website: str | None = None
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectoryService:
    """A service as Maillage's directory holds it.

    ``taxonomy_terms`` holds the terms that matched no Maillage need.
    """

    id: str
    organization_id: str | None
    name: str
    description: str = ""
    eligibility: str | None = None
    languages: tuple[str, ...] = ()
    availability: Availability = Availability.OPEN
    need_codes: tuple[str, ...] = ()
    taxonomy_terms: tuple[TaxonomyTerm, ...] = ()


@dataclass(frozen=True)
class HsdsDirectory:
    """What one HSDS source holds, in Maillage's terms.

    ``unmapped`` names the HSDS tables present in the source that Maillage does
    not import (``"locations"``, ``"schedules"``…), sorted.
    """

    organizations: tuple[DirectoryOrganization, ...] = ()
    services: tuple[DirectoryService, ...] = ()
    taxonomy_terms: tuple[TaxonomyTerm, ...] = ()
    unmapped: tuple[str, ...] = ()


# ---------------------------------------------------------------- reading


def read_hsds(path: Path) -> HsdsDirectory:
    """Read an HSDS 3.0 source: a JSON file or a folder of HSDS CSV tables.

    JSON may hold one object (organization, service, service at location,
    taxonomy term…), a list of them, an API page whose ``contents`` holds
    them, or the tabular form as JSON (``{"organizations.csv": [rows]…}``).
    A folder, like a tabular JSON, must hold ``organizations.csv`` or
    ``services.csv``.

    Raises
    ------
    HsdsError
        When the source is neither form or a record lacks what Maillage needs;
        the message names the file, and the line for CSV.
    """
    path = Path(path)
    if path.is_dir():
        return _read_tables(_CsvTables(path))
    if not path.is_file():
        raise HsdsError("no such file or folder", path)
    if path.suffix.lower() == ".csv":
        raise HsdsError(
            "is a single CSV table; pass the folder that holds organizations.csv, "
            "services.csv and the other HSDS tables",
            path,
        )
    return _read_json_file(path)


@dataclass(frozen=True)
class _Where:
    """Where a record sits in its source, to name it in an error."""

    path: Path
    line: int | None = None
    at: str = ""

    def inside(self, step: str) -> _Where:
        return _Where(self.path, self.line, f"{self.at}{step}")

    def error(self, message: str) -> HsdsError:
        return HsdsError(f"{self.at}: {message}" if self.at else message, self.path, self.line)


@dataclass
class _ServiceDraft:
    """A service whose taxonomy terms may be defined later in the source."""

    id: str
    organization_id: str | None
    name: str
    description: str
    eligibility: str | None
    languages: list[str]
    availability: Availability
    term_ids: list[str] = field(default_factory=list)


class _Collector:
    """Gathers records in source order; the first record seen for an id wins."""

    def __init__(self) -> None:
        self.organizations: dict[str, DirectoryOrganization] = {}
        self.services: dict[str, _ServiceDraft] = {}
        self.terms: dict[str, TaxonomyTerm] = {}
        self.links: list[tuple[str, str]] = []  # (link id, term id) of tabular attributes
        self.unmapped: set[str] = set()

    def add_organization(self, organization: DirectoryOrganization) -> None:
        self.organizations.setdefault(organization.id, organization)

    def add_service(self, service: _ServiceDraft) -> None:
        self.services.setdefault(service.id, service)

    def add_term(self, term: TaxonomyTerm) -> None:
        self.terms.setdefault(term.id, term)

    def finish(self) -> HsdsDirectory:
        for service_id, term_id in self.links:
            if service_id in self.services:
                self.services[service_id].term_ids.append(term_id)
            else:  # an attribute of an organization, a location… or a dangling link
                self.unmapped.add("attributes")
        return HsdsDirectory(
            organizations=tuple(self.organizations.values()),
            services=tuple(self._service(draft) for draft in self.services.values()),
            taxonomy_terms=tuple(self.terms.values()),
            unmapped=tuple(sorted(self.unmapped)),
        )

    def _service(self, draft: _ServiceDraft) -> DirectoryService:
        needs: dict[str, None] = {}
        extra: dict[str, TaxonomyTerm] = {}
        for term_id in draft.term_ids:
            term = self.terms.get(term_id)
            if term is None:  # the source names a term it does not define
                self.unmapped.add("attributes")
            elif (need := _need_code_of(term)) is not None:
                needs.setdefault(need)
            else:
                extra.setdefault(term.id, term)
        return DirectoryService(
            id=draft.id,
            organization_id=draft.organization_id,
            name=draft.name,
            description=draft.description,
            eligibility=draft.eligibility,
            languages=_unique(draft.languages),
            availability=draft.availability,
            need_codes=tuple(needs),
            taxonomy_terms=tuple(extra.values()),
        )


def _normalized(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text).strip().casefold()


_NEED_BY_WORDING: dict[str, str] = {
    _normalized(wording): code
    for code, (label_fr, label_en) in NEEDS.items()
    for wording in (code, label_fr, label_en)
}


def _need_code_of(term: TaxonomyTerm) -> str | None:
    """The Maillage need a term names by its code or its name, if any."""
    for wording in (term.code, term.name):
        if wording and (code := _NEED_BY_WORDING.get(_normalized(wording))):
            return code
    return None


_AVAILABILITY_BY_STATUS = {
    "active": Availability.OPEN,
    "inactive": Availability.CLOSED,
    "defunct": Availability.CLOSED,
    "temporarily closed": Availability.CLOSED,
}


def _availability(status: str | None, where: _Where) -> Availability:
    if status is None:  # HSDS requires a status; a source without one is taken as running
        return Availability.OPEN
    availability = _AVAILABILITY_BY_STATUS.get(" ".join(status.split()).casefold())
    if availability is None:
        raise where.error(
            f"service status {status!r} is not one of active, inactive, defunct, temporarily closed"
        )
    return availability


def _unique(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _prose(value: object) -> str | None:
    """Free text kept as written; None for null, blank or non-scalar values."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value)
    return text if text.strip() else None


def _text(value: object) -> str | None:
    """An identifier, code, address or name: stripped; None when blank."""
    prose = _prose(value)
    return None if prose is None else prose.strip()


def _required(record: Mapping[str, Any], key: str, what: str, where: _Where) -> str:
    """An identifying value (id, name), stripped; an error naming the record if absent."""
    value = _text(record.get(key))
    if value is None:
        raise where.error(f"{what} has no {key}")
    return value


# JSON keys of nested HSDS objects Maillage does not import, by HSDS table name.
_NESTED_TABLES = {
    "accessibility": "accessibility",
    "addresses": "addresses",
    "contacts": "contacts",
    "cost_options": "cost_options",
    "funding": "funding",
    "locations": "locations",
    "metadata": "metadata",
    "organization_identifiers": "organization_identifiers",
    "phones": "phones",
    "program": "programs",
    "programs": "programs",
    "required_documents": "required_documents",
    "schedules": "schedules",
    "service_areas": "service_areas",
    "service_at_locations": "service_at_location",
}
_PROGRAM_KEYS = {"id", "organization_id", "name", "alternate_name", "description", "metadata"}
_TAXONOMY_KEYS = {"id", "name", "description", "uri", "version", "metadata"}
_TERM_KEYS = {"code", "parent_id", "taxonomy", "taxonomy_detail", "taxonomy_id", "term_uri"}
_UNMAPPED_KINDS = {
    "api_root": "api_root",
    "location": "locations",
    "program": "programs",
    "taxonomy": "taxonomies",
}


def kind_of(obj: Mapping[str, Any]) -> str | None:
    """Which HSDS object a JSON object is, from its keys (HSDS documents carry no type)."""
    if obj and all(key.endswith(".csv") and isinstance(rows, list) for key, rows in obj.items()):
        return "tables"
    if isinstance(obj.get("contents"), list):
        return "page"
    if "openapi_url" in obj:
        return "api_root"
    if "name" not in obj and isinstance(obj.get("service") or obj.get("location"), dict):
        return "service_at_location"
    if "id" not in obj or "name" not in obj:
        return "location" if "location_type" in obj else None
    if "status" in obj:
        return "service"
    if "location_type" in obj:
        return "location"
    if "organization_id" in obj or "organization" in obj:
        # HSDS requires a service's status; without one, only a program's keys mean a program.
        return "program" if obj.keys() <= _PROGRAM_KEYS else "service"
    if _TERM_KEYS & obj.keys():
        return "taxonomy_term"
    if "version" in obj and obj.keys() <= _TAXONOMY_KEYS:
        return "taxonomy"
    return "organization"


def _objects(value: object) -> list[Mapping[str, Any]]:
    """The JSON objects of an HSDS array field, ignoring anything else."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _languages_of(value: object) -> list[str]:
    """Language codes (or names when an entry has no code) of an HSDS ``languages`` array."""
    codes = (_text(item.get("code")) or _text(item.get("name")) for item in _objects(value))
    return [code for code in codes if code]


class _JsonReader:
    """Reads the nested JSON form: objects inside objects, pages and lists."""

    def __init__(self, collector: _Collector) -> None:
        self.collector = collector

    def add(self, obj: object, where: _Where) -> None:
        if not isinstance(obj, dict):
            raise where.error(f"expected an HSDS object, found {type(obj).__name__}")
        kind = kind_of(obj)
        if kind == "page":
            for index, item in enumerate(obj["contents"]):
                self.add(item, where.inside(f"contents[{index}]"))
        elif kind == "organization":
            self.add_organization(obj, where)
        elif kind == "service":
            self.add_service(obj, where, organization_id=None)
        elif kind == "service_at_location":
            self.collector.unmapped.add("service_at_location")
            if isinstance(obj.get("location"), dict):
                self.collector.unmapped.add("locations")
            if isinstance(obj.get("service"), dict):
                self.add_service(obj["service"], where.inside(".service"), organization_id=None)
        elif kind == "taxonomy_term":
            self.add_term(obj, where)
        elif kind in _UNMAPPED_KINDS:
            self.collector.unmapped.add(_UNMAPPED_KINDS[kind])
        else:
            keys = ", ".join(sorted(obj)) or "none"
            raise where.error(
                "not an HSDS organization, service, taxonomy term, list of them or "
                f"tabular document (keys: {keys})"
            )

    def note_nested(self, obj: Mapping[str, Any]) -> None:
        for key, table in _NESTED_TABLES.items():
            if obj.get(key):
                self.collector.unmapped.add(table)

    def add_organization(self, obj: Mapping[str, Any], where: _Where) -> str:
        organization_id = _required(obj, "id", "organization", where)
        holders = (*_objects(obj.get("locations")), *_objects(obj.get("phones")))
        languages = [code for holder in holders for code in _languages_of(holder.get("languages"))]
        self.collector.add_organization(
            DirectoryOrganization(
                id=organization_id,
                name=_required(obj, "name", "organization", where),
                description=_prose(obj.get("description")) or "",
                email=_text(obj.get("email")),
                website=_text(obj.get("website")),
                languages=_unique(languages),
            )
        )
        self.note_nested(obj)
        for index, service in enumerate(_objects(obj.get("services"))):
            self.add_service(
                service, where.inside(f".services[{index}]"), organization_id=organization_id
            )
        return organization_id

    def add_service(
        self, obj: Mapping[str, Any], where: _Where, *, organization_id: str | None
    ) -> None:
        organization = obj.get("organization")
        if isinstance(organization, dict):
            organization_id = self.add_organization(organization, where.inside(".organization"))
        draft = _ServiceDraft(
            id=_required(obj, "id", "service", where),
            organization_id=_text(obj.get("organization_id")) or organization_id,
            name=_required(obj, "name", "service", where),
            description=_prose(obj.get("description")) or "",
            eligibility=_prose(obj.get("eligibility_description")),
            languages=_languages_of(obj.get("languages")),
            availability=_availability(_text(obj.get("status")), where),
        )
        for index, attribute in enumerate(_objects(obj.get("attributes"))):
            term = attribute.get("taxonomy_term")
            if isinstance(term, dict):
                at = where.inside(f".attributes[{index}].taxonomy_term")
                draft.term_ids.append(self.add_term(term, at))
            elif term_id := _text(attribute.get("taxonomy_term_id")):
                draft.term_ids.append(term_id)  # kept if the source defines the term
        self.collector.add_service(draft)
        self.note_nested(obj)

    def add_term(self, obj: Mapping[str, Any], where: _Where) -> str:
        detail = obj.get("taxonomy_detail")
        vocabulary = _text(detail.get("name")) if isinstance(detail, dict) else None
        term = TaxonomyTerm(
            id=_required(obj, "id", "taxonomy term", where),
            name=_required(obj, "name", "taxonomy term", where),
            code=_text(obj.get("code")),
            description=_prose(obj.get("description")) or "",
            vocabulary=vocabulary or _text(obj.get("taxonomy")),
        )
        self.collector.add_term(term)
        return term.id


def _read_json_file(path: Path) -> HsdsDirectory:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise HsdsError("is not UTF-8 text", path) from None
    except json.JSONDecodeError as exc:
        raise HsdsError(f"is not valid JSON ({exc.msg})", path, exc.lineno) from None
    where = _Where(path)
    if isinstance(document, dict) and kind_of(document) == "tables":
        return _read_tables(_JsonTables(path, document))
    collector = _Collector()
    reader = _JsonReader(collector)
    if isinstance(document, list):
        for index, item in enumerate(document):
            reader.add(item, where.inside(f"[{index}]"))
    else:
        reader.add(document, where)
    return collector.finish()


# ---------------------------------------------------------------- tabular form

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


# ---------------------------------------------------------------- writing

# Derived ids (languages, attributes, the need taxonomy) are UUID v5 in this
# namespace, so exporting the same records twice gives the same documents.
_NAMESPACE = uuid.UUID("ecdb183e-b6ea-4fff-8af2-09a769b2dde7")
_NEEDS_TAXONOMY = {
    "id": str(uuid.uuid5(_NAMESPACE, "taxonomy:needs")),
    "name": "Maillage needs",
    "description": "The needs Maillage refers families for (DESIGN.md §3), French / English.",
}
_LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def _derived_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join(parts)))


def to_hsds_organization(record: DirectoryOrganization | Mapping[str, Any]) -> dict[str, Any]:
    """An HSDS 3.0 ``organization`` object for a directory organization.

    ``record`` is a :class:`DirectoryOrganization` or a mapping in the
    interchange shape of ``organizations.jsonl`` (``id``, ``name``,
    ``description``…). HSDS organizations carry no languages, so those are
    not written.
    """
    organization = _as_organization(record)
    document: dict[str, Any] = {
        "id": organization.id,
        "name": organization.name,
        "description": organization.description,
    }
    if organization.email:
        document["email"] = organization.email
    if organization.website:
        document["website"] = organization.website
    return document


def to_hsds_service(
    record: DirectoryService | Mapping[str, Any],
    organization: DirectoryOrganization | Mapping[str, Any],
) -> dict[str, Any]:
    """An HSDS 3.0 ``service`` object, with its organization embedded.

    Need codes and extra taxonomy terms become ``attributes`` whose
    ``taxonomy_term`` a reader maps back to the same need codes.

    Raises
    ------
    ValueError
        When the service names another organization than ``organization``.
    """
    service = _as_service(record)
    owner = _as_organization(organization)
    if service.organization_id not in (None, owner.id):
        raise ValueError(
            f"service {service.id} belongs to organization {service.organization_id}, "
            f"not to {owner.id}"
        )
    document: dict[str, Any] = {
        "id": service.id,
        "organization_id": owner.id,
        "name": service.name,
        "description": service.description,
        "status": "inactive" if service.availability is Availability.CLOSED else "active",
    }
    if service.eligibility:
        document["eligibility_description"] = service.eligibility
    if service.languages:
        document["languages"] = [
            {
                "id": _derived_id("language", service.id, language),
                "service_id": service.id,
                ("code" if _LANGUAGE_CODE.fullmatch(language) else "name"): language,
            }
            for language in service.languages
        ]
    terms = [_need_term(code) for code in service.need_codes]
    terms += [_term_document(term) for term in service.taxonomy_terms]
    if terms:
        document["attributes"] = [
            {
                "id": _derived_id("attribute", service.id, term["id"]),
                "link_id": service.id,
                "link_entity": "service",
                "taxonomy_term_id": term["id"],
                "taxonomy_term": term,
            }
            for term in terms
        ]
    document["organization"] = to_hsds_organization(owner)
    return document


def _need_term(code: str) -> dict[str, Any]:
    label_fr, label_en = NEEDS.get(code, (code, code))
    return {
        "id": _derived_id("need", code),
        "code": code,
        "name": label_en,
        "description": f"{label_fr} / {label_en}",
        "taxonomy": _NEEDS_TAXONOMY["name"],
        "taxonomy_id": _NEEDS_TAXONOMY["id"],
        "taxonomy_detail": dict(_NEEDS_TAXONOMY),
    }


def _term_document(term: TaxonomyTerm) -> dict[str, Any]:
    document: dict[str, Any] = {"id": term.id, "name": term.name, "description": term.description}
    if term.code:
        document["code"] = term.code
    if term.vocabulary:
        document["taxonomy"] = term.vocabulary
    return document


def _field(record: Mapping[str, Any], *names: str) -> Any:
    """The first present of a record's camelCase / snake_case spellings."""
    for name in names:
        if record.get(name) is not None:
            return record[name]
    return None


def _as_organization(record: DirectoryOrganization | Mapping[str, Any]) -> DirectoryOrganization:
    if isinstance(record, DirectoryOrganization):
        return record
    return DirectoryOrganization(
        id=str(record["id"]),
        name=str(record["name"]),
        description=str(record.get("description") or ""),
        email=record.get("email"),
        website=record.get("website"),
        languages=tuple(record.get("languages") or ()),
    )


def _as_service(record: DirectoryService | Mapping[str, Any]) -> DirectoryService:
    if isinstance(record, DirectoryService):
        return record
    organization_id = _field(record, "organizationId", "organization_id")
    return DirectoryService(
        id=str(record["id"]),
        organization_id=None if organization_id is None else str(organization_id),
        name=str(record["name"]),
        description=str(record.get("description") or ""),
        eligibility=record.get("eligibility"),
        languages=tuple(record.get("languages") or ()),
        availability=Availability(record.get("availability") or Availability.OPEN),
        need_codes=tuple(_field(record, "needCodes", "need_codes") or ()),
    )
