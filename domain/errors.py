"""Domain errors: what a user did wrong, in words they can act on.

One small hierarchy for the domain and storage layers. Each error has a
machine-readable ``code`` (it becomes ``extensions.code`` at the GraphQL edge)
and a user-safe ``message``. Anything that is not a :class:`MaillageError` is
unexpected and is masked at the edge.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BadUserInput",
    "Conflict",
    "DatabaseUnavailable",
    "Forbidden",
    "InvalidTransition",
    "MaillageError",
    "NotFound",
    "ServiceUnavailable",
    "Unauthenticated",
]


class MaillageError(Exception):
    """Base of every expected failure.

    ``field`` names the input field at fault when there is one, so a client
    can put the message next to it.
    """

    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    @property
    def extensions(self) -> dict[str, Any]:
        """The GraphQL ``extensions`` of this error (graphql-core reads this attribute)."""
        ext: dict[str, Any] = {"code": self.code}
        if self.field is not None:
            ext["field"] = self.field
        ext.update(self.details)
        return ext


class BadUserInput(MaillageError):
    code = "BAD_USER_INPUT"


class NotFound(MaillageError):
    code = "NOT_FOUND"


class Conflict(MaillageError):
    code = "CONFLICT"


class Forbidden(MaillageError):
    code = "FORBIDDEN"


class Unauthenticated(MaillageError):
    code = "UNAUTHENTICATED"


class InvalidTransition(MaillageError):
    code = "INVALID_TRANSITION"


class ServiceUnavailable(MaillageError):
    """What the request needs is not available now: a FULL or CLOSED service (sent to
    without an override), or the database itself (:class:`DatabaseUnavailable`)."""

    code = "SERVICE_UNAVAILABLE"


class DatabaseUnavailable(ServiceUnavailable):
    """Neo4j cannot answer within the bounds (unreachable, busy or timed out); retry later.

    ``reason`` says which: ``DATABASE_UNREACHABLE``, ``BUSY`` or ``TIMEOUT``.
    """
