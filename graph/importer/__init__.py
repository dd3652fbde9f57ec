"""Import an interchange dataset (docs/interchange.md) into the graph, checked, in batches.

>>> report = await import_dataset(db, Path("out/demo-7"))          # doctest: +SKIP
>>> report.files["events.jsonl"].written                           # doctest: +SKIP
20478

Two streaming passes over the files, so memory holds ids and a little state
per referral, never the rows:

1. **check** every row: fields, codes, times (graph/importer/fields.py),
   references to the dataset or the database (graph/importer/checks.py),
   each referral's events replayed through the lifecycle of
   domain/lifecycle.py (graph/importer/referral_checks.py);
2. **write** the rows that passed (graph/importer/writes.py) in managed
   write transactions of ``batch_size`` rows, MERGE on ids.

Files are read by graph/importer/rows.py (JSON Lines, or CSV with the same
columns); what the checks remember is in graph/importer/state.py.

With ``on_error="abort"`` (the default) one bad row means nothing is written
and the report lists every problem; with ``"skip"`` the bad rows, and what
depends on them (a bad referral's events, its redirects), are left out and
the rest is written. Importing the same files again changes nothing; an
interrupted import run again ends as an uninterrupted one would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from domain.errors import MaillageError
from graph import migrations
from graph.db import Database, Tx
from graph.importer.referral_checks import Checker
from graph.importer.rows import (
    FILE_ORDER,
    BadRow,
    DatasetError,
    Source,
    Unreadable,
    clean_row,
    find_sources,
    read_rows,
)
from graph.importer.state import BAD, Registry
from graph.importer.writes import (
    EVENTS,
    EXISTING_EVENTS,
    STATEMENTS,
    event_batch,
    payload,
    presence_payload,
    registry_referral_payload,
)

__all__ = [
    "DatasetError",
    "FileCounts",
    "ImportReport",
    "Progress",
    "RowError",
    "SchemaMissing",
    "import_dataset",
]

Progress = Callable[[str, int, int | None], None]
"""Called as ``progress(stage, done, total)``, e.g. ``("write events.jsonl", 5000, 20478)``.

Stages are ``check <file>`` (rows read) and ``write <file>`` (rows written,
called after each committed batch). ``total`` is None when unknown.
"""


class SchemaMissing(MaillageError):
    """The database has no schema yet: migrations must run before an import."""

    code = "SCHEMA_MISSING"


@dataclass(frozen=True)
class RowError:
    """A bad row: its file, its 1-based line (the header is line 1 of a CSV), and why."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class FileCounts:
    """Rows of one file: read, written, skipped (``read == written + skipped``)."""

    read: int
    written: int
    skipped: int


@dataclass(frozen=True)
class ImportReport:
    """What an import did.

    ``files`` maps each file name to its counts; ``errors`` lists the bad rows
    in file order; ``aborted`` is True when errors stopped an ``abort`` import
    before anything was written; ``events_created`` counts events new to the
    database (0 when the same files are imported again).
    """

    files: Mapping[str, FileCounts]
    errors: list[RowError]
    seconds: float
    aborted: bool = False
    events_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def rows_per_second(self, file: str) -> float:
        return self.files[file].written / self.seconds if self.seconds else 0.0


async def import_dataset(
    db: Database,
    directory: Path,
    *,
    on_error: Literal["skip", "abort"] = "abort",
    batch_size: int = 5000,
    progress: Progress | None = None,
) -> ImportReport:
    """Check and import the interchange files in ``directory``.

    Parameters
    ----------
    db
        The database, migrated (:class:`SchemaMissing` otherwise).
    directory
        A dataset directory: ``organizations.jsonl`` (or ``.csv``) and any
        other file of docs/interchange.md.
    on_error
        ``"abort"``: any bad row and nothing is written. ``"skip"``: bad rows
        and what depends on them are left out, the rest is written.
    batch_size
        Rows per write transaction (a referral's events stay in one batch).
    progress
        Optional ``progress(stage, done, total)``; an exception it raises
        stops the import between two batches (what is written stays written,
        and importing again finishes the job).

    Raises
    ------
    DatasetError
        When the directory is not a dataset (no organizations file, a file
        both as .jsonl and .csv).
    """
    if on_error not in ("skip", "abort"):
        raise ValueError(f"on_error must be 'skip' or 'abort', not {on_error!r}")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    started = time.perf_counter()
    sources = find_sources(Path(directory))
    await _require_schema(db)
    checker = Checker(db, sources, progress=progress)
    registry = await checker.run()
    errors = [RowError(*problem) for problem in checker.problems]
    if errors and on_error == "abort":
        counts = {
            s.file: FileCounts(checker.rows_read.get(k, 0), 0, checker.rows_read.get(k, 0))
            for k, s in sources.items()
        }
        return ImportReport(counts, errors, time.perf_counter() - started, aborted=True)
    writer = _Writer(db, registry, batch_size, progress)
    counts = {}
    for kind in FILE_ORDER:
        if kind in sources:
            written = await writer.write(sources[kind], checker.rows_read.get(kind, 0))
            read = checker.rows_read.get(kind, 0)
            counts[sources[kind].file] = FileCounts(read, written, read - written)
    return ImportReport(
        counts, errors, time.perf_counter() - started, events_created=writer.events_created
    )


async def _require_schema(db: Database) -> None:
    row = await db.row("RETURN COUNT { MATCH (:Need) } AS needs")
    if row is None or not row["needs"] or await migrations.pending(db):
        raise SchemaMissing(
            "The database has no Maillage schema yet: run `maillage migrate` before importing."
        )


class _Writer:
    """The writing pass: valid rows only, in batches, one managed transaction each."""

    def __init__(
        self, db: Database, registry: Registry, batch_size: int, progress: Progress | None
    ) -> None:
        self.db = db
        self.registry = registry
        self.batch_size = batch_size
        self.progress = progress
        self.events_created = 0

    async def write(self, source: Source, total: int) -> int:
        """Write the file's valid rows; return how many.

        One batch is in flight while the next is read and prepared (the
        reading yields to the event loop now and then so the driver can talk
        to the server meanwhile); batches still commit one after the other,
        in file order, and progress is reported after each commit.
        """
        kind, bad = source.kind, self.registry.bad_lines[source.kind]
        expected = total - len(bad)
        flush = self._flush_events if kind == "events" else self._flush_rows
        batch: list[dict[str, Any]] = []
        in_flight: asyncio.Task[int] | None = None
        written = 0

        async def submit(rows: list[dict[str, Any]]) -> None:
            nonlocal in_flight, written
            if in_flight is not None:
                written += await in_flight
                self._report(source, written, expected)
            in_flight = asyncio.create_task(flush(source, rows))

        previous_referral = None
        try:
            for count, (_line, row) in enumerate(self._valid_rows(source, bad), 1):
                if count % 500 == 0:
                    await asyncio.sleep(0)
                if kind == "events":
                    # A referral's events stay in one batch: one status update per referral.
                    if len(batch) >= self.batch_size and row["referralId"] != previous_referral:
                        await submit(batch)
                        batch = []
                    previous_referral = row["referralId"]
                    batch.append(row)
                    continue
                batch.append(
                    registry_referral_payload(row, self.registry)
                    if kind == "referrals"
                    else payload(kind, row, self.registry)
                )
                if len(batch) >= self.batch_size:
                    await submit(batch)
                    batch = []
            if batch:
                await submit(batch)
            if in_flight is not None:
                written += await in_flight
                in_flight = None
                self._report(source, written, expected)
        finally:
            if in_flight is not None:  # stopped by an error: let the last batch finish
                await asyncio.gather(in_flight, return_exceptions=True)
        return written

    def _valid_rows(self, source: Source, bad: set[int]) -> Any:
        table = self.registry.referrals
        key = {"referrals": "id", "events": "referralId"}.get(source.kind)
        for line, raw in read_rows(source):
            if line in bad:
                continue
            if isinstance(raw, Unreadable):
                raise DatasetError(f"{source.file} changed during the import (line {line}).")
            try:
                row = clean_row(source.kind, raw)
            except BadRow:
                raise DatasetError(
                    f"{source.file} changed during the import (line {line})."
                ) from None
            if key is not None and table.flags[table.index[row[key]]] & BAD:
                continue
            yield line, row

    def _report(self, source: Source, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(f"write {source.file}", done, total)

    async def _flush_rows(self, source: Source, rows: list[dict[str, Any]]) -> int:
        statement = STATEMENTS[source.kind]
        params = presence_payload(rows) if source.kind == "presence" else rows

        async def work(tx: Tx) -> None:
            await tx.run(statement, rows=params)

        await self.db.write(work)
        return len(rows)

    async def _flush_events(self, source: Source, events: list[dict[str, Any]]) -> int:
        table = self.registry.referrals
        ids = [event["id"] for event in events]

        def sent_at(referral_id: str) -> float:
            return table.sent_at[table.index[referral_id]]

        async def work(tx: Tx) -> int:
            # Inside the transaction that writes: events already there keep their seq.
            existing = {row["id"] for row in await tx.rows(EXISTING_EVENTS, ids=ids)}
            n, refs = event_batch(events, sent_at, existing)
            if n:
                await tx.run(EVENTS, n=n, refs=refs)
            return n

        self.events_created += await self.db.write(work)
        return len(events)
