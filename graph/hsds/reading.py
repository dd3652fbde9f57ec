"""What both HSDS readers share: where a record sits, drafts of services, the collector
that turns records into a :class:`~graph.hsds.model.HsdsDirectory`, and value cleaning."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.vocabulary import NEEDS, Availability
from graph.hsds.model import (
    DirectoryOrganization,
    DirectoryService,
    HsdsDirectory,
    HsdsError,
    TaxonomyTerm,
)


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
