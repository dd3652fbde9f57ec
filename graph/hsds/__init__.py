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

Modules: ``model`` (the records and :class:`HsdsError`), ``reading`` (what
both readers share), ``json_form`` and ``tabular`` (the two source forms),
``export`` (records to HSDS documents); ``records``, ``schema`` and ``store``
join them to the graph. Everything a caller needs is importable from here.
"""

from __future__ import annotations

from pathlib import Path

from graph.hsds.export import to_hsds_organization, to_hsds_service
from graph.hsds.json_form import _read_json_file
from graph.hsds.model import (
    DirectoryOrganization,
    DirectoryService,
    HsdsDirectory,
    HsdsError,
    TaxonomyTerm,
)
from graph.hsds.reading import kind_of
from graph.hsds.tabular import _CsvTables, _read_tables

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
