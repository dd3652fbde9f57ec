"""Errors at the GraphQL edge: expected ones keep their code, the rest are masked.

A :class:`~domain.errors.MaillageError` reaches the client with its message
and ``extensions.code``. Anything else is a bug: it is logged with its
traceback and the client sees a generic message with the request id, so
support can find the log line without the client learning internals.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.types.execution import StreamExecutionResult

from domain.errors import MaillageError

__all__ = ["MaskUnexpectedErrors"]

log = logging.getLogger("maillage.errors")


def _expected(error: GraphQLError) -> bool:
    # Syntax and validation errors have no original error, and variables that do
    # not fit their declared types fail before execution, with no path: all are
    # the client's to fix and carry no internals. Resolver errors have a path.
    return (
        error.original_error is None
        or isinstance(error.original_error, MaillageError)
        or error.path is None
    )


def _with_client_code(errors: list[GraphQLError] | None) -> None:
    """Give an expected error without a code the code of what the client got wrong."""
    for error in errors or ():
        if "code" in (error.extensions or {}):
            continue
        if error.original_error is None:
            # Syntax, validation and limit errors: the client's query is at fault.
            error.extensions = {**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"}
        elif error.path is None:
            # A variable's value does not fit its type (an unknown enum value, a number
            # for an ID…): the client's input is at fault.
            error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}


def _result_errors(result: object) -> list[GraphQLError] | None:
    """The errors of an operation's result, or of a streamed result's first part."""
    part = getattr(result, "initial_result", result)
    errors = getattr(part, "errors", None)
    return errors if isinstance(errors, list) else None


class MaskUnexpectedErrors(MaskErrors):
    """Strawberry's :class:`MaskErrors` through its public hooks only.

    ``should_mask_error`` picks the unexpected errors, :meth:`anonymise_error`
    logs and replaces each, and the ``on_operation`` / ``on_stream_result``
    hooks, once the base class has masked, give every remaining error an
    ``extensions.code``.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not _expected(error))

    def on_operation(self) -> Iterator[None]:
        """Mask the unexpected errors of the operation, then code the client's."""
        yield from super().on_operation()
        _with_client_code(_result_errors(self.execution_context.result))

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """The same for each streamed result, before it reaches the client."""
        yield from super().on_stream_result(result)
        _with_client_code(_result_errors(result))
        for part in (*(getattr(result, "incremental", None) or ()),
                     *(getattr(result, "completed", None) or ())):  # fmt: skip
            _with_client_code(_result_errors(part))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        original = error.original_error
        log.error(
            "unexpected error in %s",
            ".".join(str(p) for p in error.path or []) or "operation",
            exc_info=(type(original), original, original.__traceback__) if original else None,
            extra={"request_id": request_id},
        )
        return GraphQLError(
            message=f"Unexpected error. Quote request id {request_id} to support.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
