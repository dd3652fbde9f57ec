"""Parse each query text once: the web app sends the same few documents all day.

Strawberry's ``ParserCache`` parses inside its hook, so a syntax error there
escapes Strawberry's own handling (and its ``GRAPHQL_VALIDATION_FAILED``
answer). This cache only hands back documents that parsed well before, and
otherwise lets Strawberry parse — errors included — as it always does. The
key holds the parse options, so the token limit is the same for a cached
document as for a fresh one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

__all__ = ["ParsedDocuments"]

_MAX_DOCUMENTS = 512
_documents: dict[tuple[str, tuple[tuple[str, Any], ...]], DocumentNode] = {}


class ParsedDocuments(SchemaExtension):
    """Reuse the document of a query text parsed before (at most 512, oldest dropped)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is None or context.graphql_document is not None:
            yield
            return
        key = (context.query, tuple(sorted(context.parse_options.items())))
        cached = _documents.get(key)
        if cached is not None:
            context.graphql_document = cached
        yield
        if cached is None and context.graphql_document is not None:
            if len(_documents) >= _MAX_DOCUMENTS:
                del _documents[next(iter(_documents))]
            _documents[key] = context.graphql_document
