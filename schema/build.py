"""Assemble the schema from its parts, with the edge's extensions."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import strawberry
from graphql.error import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    SchemaExtension,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.analytics_region import RegionQuery
from schema.audit import AuditTrail
from schema.audit_log import AuditQuery
from schema.context import EdgeSettings, SharedWork
from schema.directory import DirectoryMutation, DirectoryQuery
from schema.errors import MaskUnexpectedErrors
from schema.identity import IdentityMutation, IdentityQuery
from schema.notifications import NotificationMutation
from schema.parse_cache import ParsedDocuments
from schema.presence import PresenceMutation, PresenceQuery
from schema.query_cost import QueryCostLimiter
from schema.referral_feed import ReferralSubscription
from schema.referrals import ReferralMutation, ReferralQuery
from schema.suggestions import NoSuggestions

__all__ = ["build_schema"]

Query = merge_types(
    "Query",
    (IdentityQuery, DirectoryQuery, ReferralQuery, AuditQuery, RegionQuery, PresenceQuery),
)
Mutation = merge_types(
    "Mutation",
    (IdentityMutation, DirectoryMutation, ReferralMutation, PresenceMutation, NotificationMutation),
)
Subscription = merge_types("Subscription", (ReferralSubscription,))


class _ValidationCache(ValidationCache):
    """Strawberry's validation cache, skipped when a limit already refused the document."""

    def on_validate(self) -> Iterator[None]:
        if self.execution_context.pre_execution_errors is not None:
            yield
            return
        yield from super().on_validate()


class MaillageSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Expected errors are answers, not incidents; MaskUnexpectedErrors logs the rest."""


def build_schema(settings: EdgeSettings) -> strawberry.Schema:
    """The schema with the edge's limits; production hides introspection and suggestions."""
    production = settings.env == "production"
    # The limit rules are built once, so the validation cache (keyed by the rules) hits
    # for every repeat of a query text; the token limit applies while parsing.
    rules: list[type[ASTValidationRule]] = [
        max_aliases.create_validator(settings.max_aliases),
        query_depth_limiter.create_validator(settings.max_query_depth, None, None),
    ]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        MaskUnexpectedErrors,
        AuditTrail,
        SharedWork,
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        ParsedDocuments,
        # Before validation, which would expand the fragments itself.
        lambda: QueryCostLimiter(
            max_cost=settings.max_query_cost,
            max_fragment_depth=settings.max_fragment_depth,
            max_page_size=settings.max_page_size,
        ),
        lambda: AddValidationRules(rules),
        lambda: _ValidationCache(maxsize=512),
    ]
    if production:
        extensions.append(NoSuggestions)
    return MaillageSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(
            disable_field_suggestions=production,
            batching_config={"max_operations": settings.max_batch_operations},
        ),
    )
