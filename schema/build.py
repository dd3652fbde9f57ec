"""Assemble the schema from its parts, with the edge's extensions."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.tools import merge_types

from schema.directory import DirectoryMutation, DirectoryQuery
from schema.errors import MaskUnexpectedErrors
from schema.identity import IdentityMutation, IdentityQuery

__all__ = ["build_schema"]

Query = merge_types("Query", (IdentityQuery, DirectoryQuery))
Mutation = merge_types("Mutation", (IdentityMutation, DirectoryMutation))


def build_schema(*, production: bool = False) -> strawberry.Schema:
    """The schema; ``production`` hides introspection and field suggestions."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        MaskUnexpectedErrors
    ]
    if production:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)
