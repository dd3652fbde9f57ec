"""What every resolver receives: the caller, the database and per-request loaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from strawberry.types import Info as StrawberryInfo

from graph.db import Database
from graph.errors import Unauthenticated
from graph.identity import Principal
from schema.loaders import Loaders
from server.settings import Settings

__all__ = ["Context", "Info"]


@dataclass
class Context:
    db: Database
    settings: Settings
    request_id: str
    principal: Principal | None
    loaders: Loaders = field(init=False)
    request: Any = None
    response: Any = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    connection_params: dict[str, Any] | None = None
    # Filled while resolving, written to the audit trail after the operation.
    audit_scopes: list[Any] = field(default_factory=list)
    audit_reads: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    active_subscriptions: int = 0

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)

    @property
    def caller(self) -> Principal:
        """The authenticated principal; the HTTP edge already refused anonymous calls."""
        if self.principal is None:
            raise Unauthenticated("Send an API token as 'Authorization: Bearer <token>'.")
        return self.principal


Info = StrawberryInfo[Context, None]
