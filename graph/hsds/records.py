"""HSDS records as Maillage rows, and back: ids, validation and the availability rule.

Pure functions between :mod:`graph.hsds`'s directory records and what
:mod:`graph.hsds.store` reads and writes. :func:`maillage_id` gives a record's
Maillage id; :func:`organization_record`, :func:`service_record` and
:func:`extra_term_records` check a source record as Maillage's own API would
and keep the properties HSDS owns; :func:`availability_to_record` says whether
an import changes a service's availability; :func:`directory_organization` and
:func:`directory_service` turn exported graph rows back into directory records.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from domain.errors import BadUserInput
from domain.vocabulary import Availability
from graph.hsds.model import DirectoryOrganization, DirectoryService, HsdsDirectory, TaxonomyTerm
from graph.hsds.reading import (
    _need_code_of,  # the readers' rule for "this term is a need", reused rather than copied
)
from graph.validation import (
    check_email,
    check_languages,
    check_text,
    check_url,
    optional_text,
)

__all__ = [
    "Record",
    "ServiceRecord",
    "availability_to_record",
    "directory_organization",
    "directory_service",
    "extra_term_records",
    "maillage_id",
    "organization_record",
    "service_record",
]

# Ids derived from HSDS ids that are not UUIDs: UUID5 in this namespace.
_NAMESPACE = uuid.UUID("0d6f3c56-2f1e-4b8e-9d0a-5c7b1e2a4f93")


def maillage_id(kind: str, hsds_id: str) -> str:
    """The Maillage id of an HSDS record: its id when a UUID, else a UUID5 of kind and id.

    >>> maillage_id("organization", "D9D5E0F5-D3CE-4F73-9A2F-4DD0ECC6C610")
    'd9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610'
    >>> maillage_id("organization", "org-1") == maillage_id("organization", "org-1")
    True
    """
    try:
        return str(uuid.UUID(hsds_id))
    except ValueError:
        return str(uuid.uuid5(_NAMESPACE, f"{kind}:{hsds_id}"))


@dataclass(frozen=True)
class Record:
    """A source record ready to write: Maillage id, HSDS id and the properties it owns."""

    id: str
    hsds_id: str
    props: dict[str, Any]


@dataclass(frozen=True)
class ServiceRecord:
    """A source service ready to write, with its organization, needs, terms and availability."""

    id: str
    hsds_id: str
    organization_hsds_id: str
    props: dict[str, Any]
    need_codes: list[str]
    term_ids: list[str]
    availability: Availability


@contextmanager
def _about(what: str, hsds_id: str, name: str) -> Iterator[None]:
    """Make a validation error name the source record it is about."""
    try:
        yield
    except BadUserInput as exc:
        raise BadUserInput(
            f"{what} {hsds_id} ({name!r}): {exc.message}", field=exc.field, record=hsds_id
        ) from None


def organization_record(organization: DirectoryOrganization) -> Record:
    with _about("organization", organization.id, organization.name):
        props: dict[str, Any] = {
            "name": check_text(organization.name, "name"),
            "description": optional_text(organization.description, "description", max_length=5000),
            "email": check_email(organization.email, "email"),
            "website": check_url(organization.website, "website"),
        }
        if organization.languages:  # HSDS has no organization languages: none means unknown
            props["languages"] = check_languages(list(organization.languages))
    return Record(maillage_id("organization", organization.id), organization.id, props)


def service_record(service: DirectoryService) -> ServiceRecord:
    with _about("service", service.id, service.name):
        if service.organization_id is None:
            raise BadUserInput(
                "it names no organization; a Maillage service belongs to one.",
                field="organization_id",
            )
        props: dict[str, Any] = {
            "name": check_text(service.name, "name"),
            "description": optional_text(service.description, "description", max_length=5000),
            "eligibility": optional_text(service.eligibility, "eligibility", max_length=2000),
        }
        if service.languages:  # a source that lists none keeps what Maillage knows
            props["languages"] = check_languages(list(service.languages))
    return ServiceRecord(
        id=maillage_id("service", service.id),
        hsds_id=service.id,
        organization_hsds_id=service.organization_id,
        props=props,
        need_codes=sorted(service.need_codes),
        term_ids=sorted({maillage_id("taxonomy_term", t.id) for t in service.taxonomy_terms}),
        availability=service.availability,
    )


def _term(term: TaxonomyTerm) -> Record:
    with _about("taxonomy term", term.id, term.name):
        props = {
            "name": check_text(term.name, "name"),
            "code": term.code,
            "description": optional_text(term.description, "description", max_length=5000),
            "vocabulary": term.vocabulary,
        }
    return Record(maillage_id("taxonomy_term", term.id), term.id, props)


def extra_term_records(directory: HsdsDirectory) -> list[Record]:
    """The source's terms that name no Maillage need (those become ``ADDRESSES`` links)."""
    terms: dict[str, TaxonomyTerm] = {}
    for service in directory.services:
        for term in service.taxonomy_terms:
            terms.setdefault(term.id, term)
    for term in directory.taxonomy_terms:
        if _need_code_of(term) is None:
            terms.setdefault(term.id, term)
    return [_term(term) for term in terms.values()]


def availability_to_record(current: str | None, imported: Availability) -> str | None:
    """The availability to record now, or None to keep the current one.

    HSDS ``active`` (read as OPEN) says that a service runs, not that it has
    room: a WAITLIST or FULL service stays so until HSDS says it closed.
    """
    if current is None:
        return imported.value
    if imported is Availability.CLOSED:
        return None if current == Availability.CLOSED.value else imported.value
    return Availability.OPEN.value if current == Availability.CLOSED.value else None


def directory_organization(row: Mapping[str, Any]) -> DirectoryOrganization:
    return DirectoryOrganization(
        id=row["id"],
        name=row["name"],
        description=row.get("description") or "",
        email=row.get("email"),
        website=row.get("website"),
        languages=tuple(row.get("languages") or ()),
    )


def directory_service(row: Mapping[str, Any]) -> DirectoryService:
    return DirectoryService(
        id=row["id"],
        organization_id=row["organizationId"],
        name=row["name"],
        description=row.get("description") or "",
        eligibility=row.get("eligibility"),
        languages=tuple(row.get("languages") or ()),
        availability=Availability(row.get("availability") or Availability.OPEN.value),
        need_codes=tuple(row["needCodes"]),
        taxonomy_terms=tuple(
            TaxonomyTerm(
                id=term["id"],
                name=term["name"],
                code=term.get("code"),
                description=term.get("description") or "",
                vocabulary=term.get("vocabulary"),
            )
            for term in row["terms"]
        ),
    )
