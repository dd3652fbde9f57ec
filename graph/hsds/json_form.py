"""The nested JSON form of HSDS 3.0: objects inside objects, lists and API pages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.hsds.model import DirectoryOrganization, HsdsDirectory, HsdsError, TaxonomyTerm
from graph.hsds.reading import (
    _NESTED_TABLES,
    _UNMAPPED_KINDS,
    _availability,
    _Collector,
    _languages_of,
    _objects,
    _prose,
    _required,
    _ServiceDraft,
    _text,
    _unique,
    _Where,
    kind_of,
)
from graph.hsds.tabular import _JsonTables, _read_tables


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
