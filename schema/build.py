"""Assemble the schema from its parts, with the edge's extensions."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql.error import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.directory import DirectoryMutation, DirectoryQuery
from schema.errors import MaskUnexpectedErrors
from schema.identity import IdentityMutation, IdentityQuery
from schema.referrals import ReferralMutation, ReferralQuery, ReferralSubscription

__all__ = ["build_schema"]

Query = merge_types("Query", (IdentityQuery, DirectoryQuery, ReferralQuery))
Mutation = merge_types("Mutation", (IdentityMutation, DirectoryMutation, ReferralMutation))
Subscription = merge_types("Subscription", (ReferralSubscription,))


class MaillageSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Expected errors are answers, not incidents; MaskUnexpectedErrors logs the rest."""


def build_schema(*, production: bool = False) -> strawberry.Schema:
    """The schema; ``production`` hides introspection and field suggestions."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        MaskUnexpectedErrors
    ]
    if production:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return MaillageSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production),
    )
