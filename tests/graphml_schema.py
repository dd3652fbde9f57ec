"""GraphML files checked against the GraphML 1.0 schema and against the typing rules it leaves out.

The schema (tests/schemas/graphml-1.0/, see its NOTICE.md) checks the structure: elements and
their order, ``edgedefault``, unique node and key ids, every ``<data key>`` and every edge end
referring to a declared key or node. It cannot check what GraphML's primer adds in prose, so
:func:`assert_valid_graphml` checks that too: a ``<data>`` sits on an element its key is
declared ``for`` (or a key ``for="all"``), and its text parses as the key's ``attr.type``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA = Path(__file__).resolve().parent / "schemas" / "graphml-1.0" / "graphml.xsd"
NAMESPACE = "http://graphml.graphdrawing.org/xmlns"
_G = f"{{{NAMESPACE}}}"


@cache
def graphml_schema() -> etree.XMLSchema:
    """The compiled schema; ``graphml.xsd`` imports ``xlink.xsd`` beside it, nothing is fetched."""
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def _parses(text: str, attr_type: str) -> bool:
    try:
        if attr_type in ("int", "long"):
            int(text)
        elif attr_type in ("float", "double"):
            float(text)
        elif attr_type == "boolean":
            return text.strip() in ("true", "false")
    except ValueError:
        return False
    return True


def graphml_errors(source: Path | bytes) -> list[str]:
    """Every reason the document is not valid GraphML 1.0; empty when it is."""
    if isinstance(source, bytes):
        document = etree.ElementTree(etree.fromstring(source))
    else:
        document = etree.parse(str(source))
    schema = graphml_schema()
    if not schema.validate(document):
        return [f"line {e.line}: {e.message}" for e in schema.error_log]
    keys = {k.get("id"): k for k in document.iter(f"{_G}key")}
    errors = []
    for data in document.iter(f"{_G}data"):
        key = keys[data.get("key")]  # the schema's keyref guarantees it is declared
        domain = key.get("for", "all")
        parent = etree.QName(data.getparent()).localname
        if domain not in ("all", parent):
            errors.append(
                f"line {data.sourceline}: key {key.get('id')} is for {domain}, on a {parent}"
            )
        attr_type = key.get("attr.type", "string")
        if not _parses(data.text or "", attr_type):
            errors.append(f"line {data.sourceline}: {data.text!r} is not a GraphML {attr_type}")
    return errors


def assert_valid_graphml(source: Path | bytes) -> None:
    errors = graphml_errors(source)
    assert not errors, "\n".join(errors)
