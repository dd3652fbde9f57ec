"""The one door to Neo4j: reads, atomic writes, and a count of queries issued.

Every graph function takes a :class:`Database`. A mutation is one managed
write transaction (``write``): it either commits whole or leaves the graph as
it was. ``queries`` counts Cypher statements sent, which the tests use to
prove that batch loading keeps round trips bounded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, RoutingControl

__all__ = ["Database", "Tx", "open_database"]

T = TypeVar("T")
Record = dict[str, Any]


class Tx:
    """A transaction handed to a unit of work; counts its statements."""

    def __init__(self, tx: AsyncManagedTransaction, db: Database) -> None:
        self._tx = tx
        self._db = db

    async def rows(self, query: str, **params: Any) -> list[Record]:
        """Run ``query`` and return every record as a dict."""
        self._db.queries += 1
        result = await self._tx.run(query, params)
        return [record.data() async for record in result]

    async def records(self, query: str, **params: Any) -> list[Record]:
        """Run ``query``; every record as a dict of the values the driver decoded.

        Unlike :meth:`rows`, values are not walked again to turn nodes and
        relationships into dicts: for large results of plain values (the
        analytics aggregates), where that walk costs more than the query.
        """
        self._db.queries += 1
        result = await self._tx.run(query, params)
        return [dict(record) async for record in result]

    async def row(self, query: str, **params: Any) -> Record | None:
        """Run ``query`` and return its first record, or None."""
        rows = await self.rows(query, **params)
        return rows[0] if rows else None

    async def run(self, query: str, **params: Any) -> None:
        """Run ``query`` for its effect."""
        self._db.queries += 1
        result = await self._tx.run(query, params)
        await result.consume()


class Database:
    """An async Neo4j driver bound to one database."""

    def __init__(self, driver: AsyncDriver, database: str = "neo4j") -> None:
        self.driver = driver
        self.database = database
        self.queries = 0

    async def rows(self, query: str, **params: Any) -> list[Record]:
        """A read query in its own auto-routed transaction."""
        self.queries += 1
        records, _, _ = await self.driver.execute_query(
            query, params, routing_=RoutingControl.READ, database_=self.database
        )
        return [record.data() for record in records]

    async def row(self, query: str, **params: Any) -> Record | None:
        rows = await self.rows(query, **params)
        return rows[0] if rows else None

    async def write(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run ``work`` in one write transaction, retried on transient errors.

        ``work`` may run more than once (the driver retries deadlocks and
        leader switches), so it must not have side effects outside the graph.
        """
        async with self.driver.session(database=self.database) as session:

            async def unit(tx: AsyncManagedTransaction) -> T:
                return await work(Tx(tx, self))

            return await session.execute_write(unit)

    async def read(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run ``work`` in one read transaction (a consistent snapshot)."""
        async with self.driver.session(database=self.database) as session:

            async def unit(tx: AsyncManagedTransaction) -> T:
                return await work(Tx(tx, self))

            return await session.execute_read(unit)

    async def execute(self, query: str, params: Mapping[str, Any] | None = None) -> None:
        """One statement in its own auto-commit transaction (schema changes)."""
        self.queries += 1
        async with self.driver.session(database=self.database) as session:
            result = await session.run(query, dict(params or {}))
            await result.consume()

    async def close(self) -> None:
        await self.driver.close()


def open_database(uri: str, user: str, password: str, database: str = "neo4j") -> Database:
    """Create the driver; it connects lazily, on first use."""
    driver = AsyncGraphDatabase.driver(
        uri,
        auth=(user, password),
        max_connection_pool_size=100,
        connection_acquisition_timeout=30,
        notifications_min_severity="OFF",
    )
    return Database(driver, database)
