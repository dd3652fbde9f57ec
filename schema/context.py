"""What every resolver receives: the caller, the database and per-request loaders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from strawberry.extensions import SchemaExtension
from strawberry.types import Info as StrawberryInfo

from domain.errors import Unauthenticated
from graph.access.identity import Principal
from graph.db import Database
from schema.loaders import Loaders

__all__ = ["Context", "EdgeSettings", "Info", "SharedWork"]

T = TypeVar("T")


class EdgeSettings(Protocol):
    """What the schema reads from the app's settings (``server.settings.Settings`` has it).

    A protocol, so ``schema/`` does not import ``server/``: dependencies point one way.
    """

    @property
    def env(self) -> str: ...
    @property
    def max_page_size(self) -> int: ...
    @property
    def event_poll_seconds(self) -> float: ...
    @property
    def max_subscriptions_per_connection(self) -> int: ...
    @property
    def max_query_depth(self) -> int: ...
    @property
    def max_query_tokens(self) -> int: ...
    @property
    def max_aliases(self) -> int: ...
    @property
    def max_query_cost(self) -> int: ...
    @property
    def auth_cache_seconds(self) -> float: ...
    @property
    def max_fragment_depth(self) -> int: ...
    @property
    def max_batch_operations(self) -> int: ...
    @property
    def presence_edit_days(self) -> int: ...


@dataclass
class Context:
    db: Database
    settings: EdgeSettings
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
    # Work the fields of one operation share (:meth:`once`), dropped when it ends (SharedWork).
    shared: dict[Hashable, asyncio.Future[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)

    @property
    def caller(self) -> Principal:
        """The authenticated principal; the HTTP edge already refused anonymous calls."""
        if self.principal is None:
            raise Unauthenticated("Send an API token as 'Authorization: Bearer <token>'.")
        return self.principal

    async def once(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        """``make()`` once per operation for ``key``: sibling fields await the same work.

        A network's ``collaboration`` and ``evolution`` asked together read the
        period aggregates from Neo4j once and compute the network measures once.
        """
        work = self.shared.get(key)
        if work is None:
            work = self.shared[key] = asyncio.ensure_future(make())
        result: T = await work
        return result


class SharedWork(SchemaExtension):
    """Shared work lives as long as its operation (a WebSocket's context outlives many)."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if isinstance(context, Context):
            context.shared.clear()


Info = StrawberryInfo[Context, None]
