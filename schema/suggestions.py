"""Production answers never suggest names: no "Did you mean …?" of any kind.

Strawberry's ``disable_field_suggestions`` covers field names only;
graphql-core also suggests argument names, enum values and type names
("Unknown argument 'filtr' … Did you mean 'filter'?", "Value 'INCOMIN' does
not exist in 'Box' enum. Did you mean the enum value 'INCOMING'?"), enough
to rebuild a schema whose introspection is off. :class:`NoSuggestions`
removes every such sentence from the errors of an operation, validation and
variable coercion included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

__all__ = ["NoSuggestions", "without_suggestion"]

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestion(message: str) -> str:
    """``message`` without its "Did you mean …?" sentences.

    >>> without_suggestion("Unknown argument 'filtr'. Did you mean 'filter' or 'first'?")
    "Unknown argument 'filtr'."
    """
    return _SUGGESTION.sub("", message)


def _scrub(errors: list[GraphQLError] | None) -> None:
    for error in errors or ():
        error.message = without_suggestion(error.message)


class NoSuggestions(SchemaExtension):
    """Strip suggestions from validation and execution errors (used in production)."""

    def on_validate(self) -> Iterator[None]:
        yield
        _scrub(self.execution_context.pre_execution_errors)

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None:
            _scrub(result.errors)
        _scrub(self.execution_context.pre_execution_errors)
