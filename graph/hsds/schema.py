"""The Open Referral HSDS 3.0 JSON Schemas that ship with Maillage, and checks against them.

The schemas (and the specification's examples, used by the tests) are package
data in ``graph/hsds/data/`` (CC BY-SA 4.0, Open Referral; see the LICENSE and
README there), so an import or an export is checked the same way on any
machine, with nothing read from outside the installed package.

``maillage import hsds`` checks every organization, service and taxonomy term
of a JSON source before reading it (:func:`check_source`); ``maillage export
hsds`` checks every record it writes (:func:`check_documents`). A failure is
an :class:`~graph.hsds.HsdsError` that names the file, the record and the
field, with the schema's complaint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from graph.hsds import HsdsError, kind_of

__all__ = [
    "EXAMPLES_DIR",
    "SCHEMA_DIR",
    "check_documents",
    "check_source",
    "schema_errors",
    "schema_registry",
]

_DATA = Path(str(resources.files("graph.hsds") / "data"))
SCHEMA_DIR = _DATA / "schema"
EXAMPLES_DIR = _DATA / "examples"

# The schema each kind of record found in a JSON source is checked against.
_SCHEMA_OF_KIND = {
    "organization": "organization.json",
    "service": "service.json",
    "taxonomy_term": "taxonomy_term.json",
}

_FORMATS = FormatChecker()  # jsonschema checks uuid and email itself; uri needs a package


def _is_absolute_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


_FORMATS.checks("uri")(_is_absolute_uri)


@cache
def schema_registry() -> Registry[Any]:
    """The HSDS schemas, keyed by file name as their ``$ref``s name each other."""
    resources_ = [
        (
            path.name,
            Resource.from_contents(
                json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT202012
            ),
        )
        for path in sorted(SCHEMA_DIR.glob("*.json"))
        if path.name != "openapi.json"
    ]
    return Registry().with_resources(resources_)


def schema_errors(document: Mapping[str, Any], schema_name: str) -> list[str]:
    """Each way ``document`` breaks the HSDS schema ``schema_name``, as ``field: message``.

    An empty list means the document is valid. Fields are JSON paths inside
    the document (``phones/0/number``); ``<root>`` is the document itself.
    """
    registry = schema_registry()
    schema = registry.contents(schema_name)
    validator_class = validator_for(schema, default=Draft202012Validator)
    validator = validator_class(schema, registry=registry, format_checker=_FORMATS)
    return sorted(
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(document)
    )


def _fail(path: Path, where: str, document: Mapping[str, Any], errors: list[str]) -> HsdsError:
    record = document.get("id") or "without id"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return HsdsError(
        f"{where} (record {record}) does not follow the HSDS 3.0 schema, field {errors[0]}{more}",
        path,
    )


def check_documents(path: Path, documents: Iterable[Mapping[str, Any]], schema_name: str) -> None:
    """Raise :class:`HsdsError` for the first of ``documents`` that ``schema_name`` refuses."""
    for index, document in enumerate(documents):
        errors = schema_errors(document, schema_name)
        if errors:
            raise _fail(path, f"[{index}]", document, errors)


def _records(obj: object, where: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """``(where, schema, record)`` for each top-level record of a JSON source."""
    if isinstance(obj, list):
        for index, item in enumerate(obj):
            yield from _records(item, f"{where}[{index}]")
        return
    if not isinstance(obj, dict):
        return  # the reader names what is not an object
    kind = kind_of(obj)
    if kind == "page":
        yield from _records(obj["contents"], f"{where}contents")
    elif kind == "service_at_location" and isinstance(obj.get("service"), dict):
        yield f"{where}.service", "service.json", obj["service"]
    elif kind in _SCHEMA_OF_KIND:
        yield where or "<root>", _SCHEMA_OF_KIND[kind], obj


def check_source(path: Path) -> None:
    """Check the records of an HSDS JSON source against the schemas before it is read.

    The tabular form (a CSV folder, or a JSON document of tables) is checked
    by the reader itself, table by table and line by line; malformed JSON is
    left to the reader too, which names the line.
    """
    if path.is_dir() or not path.is_file():
        return
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return
    if isinstance(document, dict) and kind_of(document) == "tables":
        return
    for where, schema_name, record in _records(document, ""):
        errors = schema_errors(record, schema_name)
        if errors:
            raise _fail(path, where, record, errors)
