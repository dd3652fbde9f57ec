"""Maillage directory records as HSDS 3.0 documents (organizations, services, terms)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from domain.vocabulary import NEEDS, Availability
from graph.hsds.model import DirectoryOrganization, DirectoryService, TaxonomyTerm

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
