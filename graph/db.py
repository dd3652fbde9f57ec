"""The one door to Neo4j: reads, atomic writes, and a count of queries issued.

Every graph function takes a :class:`Database`. A mutation is one managed
write transaction (``write``): it either commits whole or leaves the graph as
it was. ``queries`` counts Cypher statements sent, which the tests use to
prove that batch loading keeps round trips bounded.

Every wait is bounded (:class:`Timeouts`): connecting, taking a connection
from the pool, the driver's retries, and each transaction on the server (which
also bounds waiting for another transaction's lock). When Neo4j cannot be
reached, or a transaction runs out of time, the caller gets a
:class:`~domain.errors.DatabaseUnavailable` within those bounds, never a hang
and never a driver exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from neo4j import (
    READ_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    Query,
    RoutingControl,
    unit_of_work,
)
from neo4j.exceptions import (
    ClientError,
    DriverError,
    SessionExpired,
    TransientError,
)
from neo4j.exceptions import (
    ServiceUnavailable as DriverUnavailable,
)

from domain.errors import DatabaseUnavailable

__all__ = ["Database", "Timeouts", "Tx", "open_database"]

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


@dataclass(frozen=True)
class Timeouts:
    """The bounds on every wait for Neo4j, in seconds.

    ``connect``: opening a connection; ``acquire``: waiting for a free one in
    the pool; ``retry``: the driver's retries of a transaction after a
    connection failure or a transient error; ``transaction``: one
    transaction on the server, lock waits included (None: the server's own
    limit, for long batch work such as imports and large analytics; the API
    always sets one).
    """

    connect: float = 2.0
    acquire: float = 5.0
    retry: float = 2.0
    transaction: float | None = None


# Server errors that mean "this transaction ran out of time" (its own limit, or a lock wait).
_TIMED_OUT = ("TransactionTimedOut", "LockAcquisitionTimeout", "Terminated", "LockClientStopped")


@asynccontextmanager
async def _bounded() -> AsyncIterator[None]:
    """Turn the driver's unavailability and timeout errors into :class:`DatabaseUnavailable`."""
    try:
        yield
    except (DriverUnavailable, SessionExpired) as exc:
        raise DatabaseUnavailable(
            "The database cannot be reached right now; nothing was changed. Try again shortly.",
            reason="DATABASE_UNREACHABLE",
        ) from exc
    except (TransientError, ClientError) as exc:
        if not any(word in (exc.code or "") for word in _TIMED_OUT):
            raise
        raise DatabaseUnavailable(
            "The database did not finish in time (another change may hold this record); "
            "nothing was changed. Try again shortly.",
            reason="TIMEOUT",
        ) from exc
    except DriverError as exc:
        if "acquisition" not in str(exc).lower() and "timed out" not in str(exc).lower():
            raise
        raise DatabaseUnavailable(
            "The database is too busy right now; nothing was changed. Try again shortly.",
            reason="BUSY",
        ) from exc


class Database:
    """An async Neo4j driver bound to one database, every wait bounded by ``timeouts``."""

    def __init__(
        self, driver: AsyncDriver, database: str = "neo4j", timeouts: Timeouts | None = None
    ) -> None:
        self.driver = driver
        self.database = database
        self.timeouts = timeouts or Timeouts()
        self.queries = 0

    async def rows(self, query: str, **params: Any) -> list[Record]:
        """A read query in its own auto-routed transaction."""
        self.queries += 1
        async with _bounded():
            records, _, _ = await self.driver.execute_query(
                Query(query, timeout=self.timeouts.transaction),
                params,
                routing_=RoutingControl.READ,
                database_=self.database,
            )
        return [record.data() for record in records]

    async def row(self, query: str, **params: Any) -> Record | None:
        rows = await self.rows(query, **params)
        return rows[0] if rows else None

    async def record(self, query: str, **params: Any) -> Record | None:
        """The first record of a read query, as the driver decoded it (or None).

        For the hot reads, one query per request returning plain maps and
        lists. Unlike :meth:`row`, values are not walked again to turn nodes
        and relationships into dicts (that walk costs as much as decoding),
        and the query runs as an auto-commit transaction: one round trip
        (``RUN`` and ``PULL``) where a managed one takes two (``BEGIN``,
        ``RUN``, ``PULL``, then ``COMMIT``) for a read with nothing to
        commit. The driver does not retry it: while the database is
        unreachable the caller gets SERVICE_UNAVAILABLE at once.
        """
        self.queries += 1
        async with (
            _bounded(),
            self.driver.session(database=self.database, default_access_mode=READ_ACCESS) as s,
        ):
            result = await s.run(Query(query, timeout=self.timeouts.transaction), params)
            records = [record async for record in result]
        return dict(records[0]) if records else None

    async def write(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run ``work`` in one write transaction, retried on transient errors.

        ``work`` may run more than once (the driver retries deadlocks and
        leader switches), so it must not have side effects outside the graph.
        """
        async with _bounded(), self.driver.session(database=self.database) as session:

            @unit_of_work(timeout=self.timeouts.transaction)
            async def unit(tx: AsyncManagedTransaction) -> T:
                return await work(Tx(tx, self))

            return await session.execute_write(unit)

    async def read(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run ``work`` in one read transaction (a consistent snapshot)."""
        async with _bounded(), self.driver.session(database=self.database) as session:

            @unit_of_work(timeout=self.timeouts.transaction)
            async def unit(tx: AsyncManagedTransaction) -> T:
                return await work(Tx(tx, self))

            return await session.execute_read(unit)

    async def execute(self, query: str, params: Mapping[str, Any] | None = None) -> None:
        """One statement in its own auto-commit transaction (schema changes)."""
        self.queries += 1
        async with _bounded(), self.driver.session(database=self.database) as session:
            result = await session.run(query, dict(params or {}))
            await result.consume()

    async def close(self) -> None:
        await self.driver.close()


LIVENESS_CHECK_SECONDS = 2.0


def open_database(
    uri: str,
    user: str,
    password: str,
    database: str = "neo4j",
    *,
    timeouts: Timeouts | None = None,
) -> Database:
    """Create the driver; it connects lazily, on first use, within ``timeouts``."""
    bounds = timeouts or Timeouts()
    driver = AsyncGraphDatabase.driver(
        uri,
        auth=(user, password),
        max_connection_pool_size=100,
        connection_timeout=bounds.connect,
        connection_acquisition_timeout=bounds.acquire,
        max_transaction_retry_time=bounds.retry,
        # A pooled connection idle this long is checked before use: after Neo4j restarts,
        # the dead ones are dropped at once instead of failing the first requests slowly.
        liveness_check_timeout=LIVENESS_CHECK_SECONDS,
        notifications_min_severity="OFF",
    )
    return Database(driver, database, bounds)
