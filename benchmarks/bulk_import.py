"""The importer (checks, idempotency, progress) vs a bare-driver UNWIND of the same statements.

Usage: ``.venv/bin/python -m benchmarks.bulk_import [--preset medium|large] [--seed 7]``

Simulates the preset into a temporary directory (in a child process, so this
process's peak memory is the importer's), starts its own Neo4j (port
``MAILLAGE_BENCH_NEO4J_PORT``, default 17787), then in one run:

1. clears the database, migrates, imports with ``graph.importer.import_dataset``;
2. clears it again, migrates, and writes the same rows with the bare async
   driver: the same Cypher statements (graph/importer/writes.py), rows straight
   from ``json.loads``, no checking pass, no existing-event lookup, no progress.

Both run ``--rounds`` times (default 2), alternating which goes first, after a
warm-up on the demo preset; prints events/s of every run, the ratio of the
best of each (target: importer >= 0.8 x raw), the importer's wall time and
its peak memory (``ru_maxrss``). ``--max-minutes``
stops the importer between two batches after that long (it reports what it
wrote; running it again would finish the job), for presets too big to wait for.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from neo4j import AsyncGraphDatabase, AsyncManagedTransaction

from benchmarks._common import bench_neo4j
from graph import migrations
from graph.db import open_database
from graph.importer import import_dataset
from graph.importer.rows import FILE_ORDER, find_sources, read_rows
from graph.importer.state import Registry
from graph.importer.writes import (
    EVENTS,
    STATEMENTS,
    event_batch,
    payload,
    presence_payload,
    referral_payload,
)
from server.settings import Settings, project_root

CLEAR = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


class OutOfTime(Exception):
    """The importer ran past --max-minutes; it stopped between two batches."""


def simulate(preset: str, seed: int, out: Path) -> dict[str, Any]:
    code = f"import simulator; simulator.run({preset!r}, {seed}, {str(out)!r})"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=project_root())
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    return manifest


async def clean_state(settings: Settings) -> None:
    db = open_database(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
    try:
        await db.execute(CLEAR)
        await migrations.migrate(db)
    finally:
        await db.close()


async def run_importer(
    settings: Settings, directory: Path, max_minutes: float | None, batch_size: int
) -> tuple[float, int, bool]:
    """(seconds, events written, finished)."""
    db = open_database(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
    deadline = None if max_minutes is None else time.monotonic() + 60 * max_minutes
    events = 0

    def progress(stage: str, done: int, total: int | None) -> None:
        nonlocal events
        if stage == "write events.jsonl":
            events = done
        if deadline is not None and stage.startswith("write") and time.monotonic() > deadline:
            raise OutOfTime

    started = time.perf_counter()
    try:
        report = await import_dataset(db, directory, batch_size=batch_size, progress=progress)
        assert report.ok, report.errors[:5]
        return time.perf_counter() - started, report.files["events.jsonl"].written, True
    except OutOfTime:
        return time.perf_counter() - started, events, False
    finally:
        await db.close()


async def run_raw(settings: Settings, directory: Path, batch_size: int) -> tuple[float, int]:
    """The same statements from the bare driver: no checks, no lookups, no progress."""
    driver = AsyncGraphDatabase.driver(
        settings.neo4j_uri, auth=(settings.neo4j_user, settings.neo4j_password)
    )
    sources = find_sources(directory)
    started = time.perf_counter()
    networks = Registry()  # what referral rows need: memberships and retention only
    for _line, raw in read_rows(sources["networks"]):
        assert isinstance(raw, dict)
        networks.networks[raw["id"]] = raw["retentionDays"]
    for _line, raw in read_rows(sources["memberships"]):
        assert isinstance(raw, dict)
        networks.add_membership(raw["organizationId"], raw["networkId"], raw["since"], raw["until"])

    async def write(statement: str, **params: Any) -> None:
        async def work(tx: AsyncManagedTransaction) -> None:
            await (await tx.run(statement, params)).consume()

        async with driver.session() as session:
            await session.execute_write(work)

    events = 0
    try:
        for kind in FILE_ORDER:
            if kind not in sources:
                continue
            batch: list[dict[str, Any]] = []
            previous = None
            for _line, raw in read_rows(sources[kind]):
                assert isinstance(raw, dict)
                if kind == "events":
                    if len(batch) >= batch_size and raw["referralId"] != previous:
                        n, refs = event_batch(batch)
                        await write(EVENTS, n=n, refs=refs)
                        events += n
                        batch = []
                    previous = raw["referralId"]
                    batch.append(raw)
                    continue
                batch.append(
                    referral_payload(
                        raw,
                        networks.referral_network_fields(
                            raw["senderId"], raw["receiverId"], raw["sentAt"]
                        ),
                    )
                    if kind == "referrals"
                    else payload(kind, raw, None)
                )
                if len(batch) >= batch_size:
                    rows = presence_payload(batch) if kind == "presence" else batch
                    await write(STATEMENTS[kind], rows=rows)
                    batch = []
            if batch and kind == "events":
                n, refs = event_batch(batch)
                await write(EVENTS, n=n, refs=refs)
                events += n
            elif batch:
                await write(
                    STATEMENTS[kind], rows=presence_payload(batch) if kind == "presence" else batch
                )
        return time.perf_counter() - started, events
    finally:
        await driver.close()


async def main_async(settings: Settings, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix=f"maillage-{args.preset}-") as tmp:
        directory = Path(tmp) / args.preset
        began = time.perf_counter()
        manifest = simulate(args.preset, args.seed, directory)
        counts = manifest["counts"]
        print(
            f"simulated {args.preset} (seed {args.seed}) in {time.perf_counter() - began:.0f} s: "
            f"{counts['referrals.jsonl']:,} referrals, {counts['events.jsonl']:,} events",
            flush=True,
        )
        if not args.skip_raw:  # warm the server (JIT, plans) so neither path pays for it
            warm = Path(tmp) / "demo"
            simulate("demo", args.seed, warm)
            await clean_state(settings)
            await run_raw(settings, warm, args.batch_size)
        best_importer = best_raw = 0.0
        for round_ in range(1, args.rounds + 1):
            # Alternate which path goes first, so neither always meets a warmer server.
            order = ("importer", "raw") if round_ % 2 else ("raw", "importer")
            for path in order:
                if path == "raw" and args.skip_raw:
                    continue
                await clean_state(settings)
                if path == "importer":
                    seconds, events, finished = await run_importer(
                        settings, directory, args.max_minutes, args.batch_size
                    )
                    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                    state = "finished" if finished else f"stopped after {args.max_minutes:g} min"
                    print(
                        f"round {round_} importer   {state}: {events:,} events in "
                        f"{seconds:,.1f} s = {events / seconds:,.0f} events/s "
                        f"(wall time, checking pass included); peak memory {peak_mb:,.0f} MB",
                        flush=True,
                    )
                    if not finished:
                        return
                    best_importer = max(best_importer, events / seconds)
                else:
                    seconds, events = await run_raw(settings, directory, args.batch_size)
                    print(
                        f"round {round_} raw UNWIND finished: {events:,} events in "
                        f"{seconds:,.1f} s = {events / seconds:,.0f} events/s",
                        flush=True,
                    )
                    best_raw = max(best_raw, events / seconds)
        if best_raw:
            ratio = best_importer / best_raw
            verdict = "met" if ratio >= 0.8 else "NOT met"
            print(f"\nbest importer / best raw = {ratio:.2f}  (target >= 0.80: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", choices=["demo", "medium", "large"], default="medium")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--max-minutes", type=float, help="stop the importer after this long")
    parser.add_argument("--skip-raw", action="store_true", help="time the importer only")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="importer and raw this many times, alternating which goes first",
    )
    args = parser.parse_args()
    with bench_neo4j(heap="2g", pagecache="2g") as settings:
        asyncio.run(main_async(settings, args))


if __name__ == "__main__":
    main()
