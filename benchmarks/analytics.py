"""Monthly evolution of a simulated region: Cypher aggregates vs raw events in Python.

Usage: ``.venv/bin/python -m benchmarks.analytics [--preset medium] [--months 36]``

Starts its own Neo4j (``MAILLAGE_BENCH_NEO4J_PORT``, default 17712, home
``.neo4j/bench-home-<port>``), simulates the preset with seed 7 unless its
data is already there, imports it with graph/importer/__init__.py (once: the import is
kept, ``--reimport`` forces it), then times the full monthly evolution of the
region (every network of the preset, read as one) two ways, in the same run:

- **aggregate**: :func:`graph.aggregates.queries.collaboration` reduces the events to
  per-month ties in Cypher; :func:`analytics.evolution.evolution` runs on
  those rows (the path the API, the report and the exports take);
- **naive**: every referral event of the window is loaded into Python and
  reduced there to the same rows before the same evolution.

After one warm-up of the aggregate pipeline (Neo4j's page cache and query
plans), each pipeline runs in a fresh Python process, which reports its wall
time, its peak resident memory (Neo4j's own memory is not counted) and a
SHA-256 digest of its output; the two digests must match (the pipelines give
identical aggregates), then the ratio is printed. ``--no-trace`` skips the
second, untimed run under ``tracemalloc`` (hours for the naive pipeline on
the large preset). The import's wall time and peak memory are printed when
the preset is first imported.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from analytics.evolution import evolution
from analytics.model import OrgNode, Partnership, PeriodAggregate, ReferralTie
from benchmarks._common import BENCH_PASSWORD, bench_neo4j
from graph import migrations
from graph.aggregates import queries as agg
from graph.db import Database, open_database
from graph.importer import import_dataset
from server.settings import project_root

PORT = int(os.environ.get("MAILLAGE_BENCH_NEO4J_PORT", "17712"))
PASSWORD = BENCH_PASSWORD
SEED = 7
NOW = datetime(2027, 1, 1, tzinfo=UTC)  # after every simulated referral

# The naive pipeline: every event of every referral of the window, as rows.
RAW_EVENTS = (
    "MATCH (n:Network)<-[:MEMBER_OF]-(s:Organization) WHERE n.id IN $networks "
    "WITH DISTINCT s "
    "MATCH (s)-[:SENT]->(r:Referral)-[:TO]->(t:Organization) "
    "WHERE r.sentAt >= $from AND r.sentAt < $until "
    "MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent) "
    "RETURN r.id AS referral, s.id AS sender, t.id AS receiver, r.sentAt AS sentAt, "
    "r.acknowledgeBy AS acknowledgeBy, e.type AS type, e.at AS at, e.reason AS reason"
)
MEMBERSHIPS = (
    "MATCH (o:Organization)-[m:MEMBER_OF]->(n:Network) WHERE n.id IN $networks "
    "RETURN o.id AS id, o.name AS name, o.kind AS kind, m.since AS since, m.until AS until, "
    "COLLECT { MATCH (o)-[:BASED_IN]->(x:Territory) RETURN x.id ORDER BY x.id }[0] AS territory"
)
PARTNERSHIPS = (
    "MATCH (a:Organization)-[k:PARTNERS_WITH]->(b:Organization) "
    "RETURN a.id AS source, b.id AS target, k.kind AS kind, k.since AS since, k.until AS until"
)


async def load(db: Database, preset: str, reimport: bool) -> dict[str, Any]:
    """Simulate and import the preset unless the database already holds it."""
    await migrations.migrate(db)
    folder = project_root() / ".neo4j" / "bench-data" / f"{preset}-{SEED}"
    if not (folder / "manifest.json").exists():
        started = time.perf_counter()
        # In a child process, so this process's memory high-water mark is the importer's.
        code = f"import simulator; simulator.run({preset!r}, {SEED}, {str(folder)!r})"
        subprocess.run([sys.executable, "-c", code], check=True, cwd=project_root())
        print(f"simulated {preset} in {time.perf_counter() - started:.0f} s", flush=True)
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
    networks = [json.loads(line)["id"] for line in (folder / "networks.jsonl").open()]
    marker = await db.row("MATCH (d:BenchmarkDataset) RETURN d.preset AS preset, d.seed AS seed")
    if reimport or marker != {"preset": preset, "seed": SEED}:
        # Presets draw ids from the same seeded streams: never mix two in one database.
        await db.execute(
            "MATCH (n) WHERE NOT n:SchemaMigration AND NOT n:Need AND NOT n:EventFeed "
            "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        )
        started = time.perf_counter()

        def progress(stage: str, done: int, total: int | None) -> None:
            if done % 100_000 < 5000:
                print(f"  {stage}: {done}/{total}", flush=True)

        report = await import_dataset(db, folder, progress=progress)
        if not report.ok:
            raise SystemExit(f"import failed: {report.errors[:3]}")
        await db.execute("CREATE (:BenchmarkDataset {preset: $preset, seed: $seed})",
                         {"preset": preset, "seed": SEED})  # fmt: skip
        seconds, events = time.perf_counter() - started, report.files["events.jsonl"].written
        print(f"imported {preset} in {seconds:,.0f} s: {events:,} events = "
              f"{events / seconds:,.0f} events/s; importer process peak RSS {_rss_mb():,.0f} MB",
              flush=True)  # fmt: skip
    return {"networks": networks, "manifest": manifest}


def window(manifest: dict[str, Any], months: int) -> agg.Window:
    start = date.fromisoformat(manifest["period"]["start"])
    end = date(start.year + (start.month - 1 + months) // 12,
               (start.month - 1 + months) % 12 + 1, 1) - timedelta(days=1)  # fmt: skip
    return agg.Window(start, end, agg.Period.MONTH)


async def aggregate_pipeline(
    db: Database, networks: Sequence[str], w: agg.Window, clock: dict[str, float] | None = None
) -> Any:
    started = time.perf_counter()
    slices = await agg.collaboration(db, networks, w, now=NOW)
    loaded = time.perf_counter()
    rows = evolution([s.aggregate for s in slices])
    if clock is not None:
        clock["load"], clock["analyse"] = loaded - started, time.perf_counter() - loaded
    return slices, rows


async def naive_pipeline(
    db: Database, networks: Sequence[str], w: agg.Window, clock: dict[str, float] | None = None
) -> Any:
    """Load every event, reduce in Python to the same PeriodSlices, then evolve."""
    started = time.perf_counter()
    params = {"networks": list(networks), "from": datetime(w.start.year, w.start.month,
              w.start.day, tzinfo=UTC), "until": datetime(w.end.year, w.end.month, w.end.day,
              tzinfo=UTC) + timedelta(days=1)}  # fmt: skip
    events = await db.rows(RAW_EVENTS, **params)
    members = await db.rows(MEMBERSHIPS, networks=list(networks))
    partners = await db.rows(PARTNERSHIPS)
    spans: dict[str, list[tuple[date, date]]] = defaultdict(list)
    info: dict[str, OrgNode] = {}
    for m in members:
        until = m["until"].to_native() if m["until"] is not None else date.max
        spans[m["id"]].append((m["since"].to_native(), until))
        info[m["id"]] = OrgNode(m["id"], m["name"], m["kind"], m["territory"])
    referrals: dict[str, dict[str, Any]] = {}
    for e in events:
        r = referrals.setdefault(e["referral"], {
            "s": e["sender"], "t": e["receiver"], "sent": e["sentAt"].to_native(),
            "by": e["acknowledgeBy"].to_native(), "types": set(), "ack": None,
            "reason": None})  # fmt: skip
        at = e["at"].to_native()
        r["types"].add(e["type"])
        if e["type"] == "ACKNOWLEDGED":
            r["ack"] = at if r["ack"] is None else min(r["ack"], at)
        if e["type"] == "DECLINED":
            r["reason"] = e["reason"] or "OTHER"

    def member(org: str, day: date) -> bool:
        return any(a <= day <= b for a, b in spans.get(org, ()))

    bounds = w.periods()
    key = {w.key(start): i for i, (start, _) in enumerate(bounds)}
    ties: list[dict[tuple[str, str], list[dict[str, Any]]]] = [defaultdict(list) for _ in bounds]
    for r in referrals.values():
        day = r["sent"].date()
        if member(r["s"], day) and member(r["t"], day):
            ties[key[w.key(day)]][r["s"], r["t"]].append(r)
    slices = []
    for (start, end), pairs in zip(bounds, ties, strict=True):
        nodes = tuple(
            sorted(
                (info[o] for o, s in spans.items() if any(a <= end and b >= start for a, b in s)),
                key=lambda n: n.id,
            )
        )
        tie_rows = []
        received: dict[str, list[float]] = defaultdict(list)
        for (s, t), rs in sorted(pairs.items()):
            hours = [(r["ack"] - r["sent"]).total_seconds() // 1 / 3600 for r in rs if r["ack"]]
            received[t] += hours
            declined: dict[str, int] = defaultdict(int)
            for r in rs:
                if r["reason"]:
                    declined[r["reason"]] += 1

            def reached(stage: str, rs: list[dict[str, Any]] = rs) -> int:
                return sum(1 for r in rs if stage in r["types"])

            tie_rows.append(ReferralTie(
                s, t, sent=len(rs), acknowledged=reached("ACKNOWLEDGED"),
                accepted=reached("ACCEPTED"), contacted=reached("CONTACTED"),
                completed=reached("COMPLETED"), no_show=reached("NO_SHOW"),
                declined=dict(declined), redirected=reached("REDIRECTED"),
                expired=reached("EXPIRED"), cancelled=reached("CANCELLED"),
                # still SENT (nothing moved it on) and past its deadline
                overdue=sum(1 for r in rs if r["by"] < NOW
                            and not r["types"] & {"ACKNOWLEDGED", "EXPIRED", "CANCELLED"}),
                acknowledged_late=sum(1 for r in rs if r["ack"] is not None
                                      and r["ack"] > r["by"]),
                median_hours_to_ack=statistics.median(hours) if hours else None,
            ))  # fmt: skip
        ids = {n.id for n in nodes}
        links = tuple(sorted({
            Partnership(p["source"], p["target"], p["kind"]) for p in partners
            if p["source"] in ids and p["target"] in ids and member_overlap(spans, p, start, end)
        }, key=lambda p: (p.source, p.target, p.kind)))  # fmt: skip
        slices.append(agg.PeriodSlice(
            PeriodAggregate(start, end, nodes, tuple(tie_rows), links),
            {t: statistics.median(h) for t, h in received.items() if h},
        ))  # fmt: skip
    loaded = time.perf_counter()
    rows = evolution([s.aggregate for s in slices])
    if clock is not None:
        clock["load"], clock["analyse"] = loaded - started, time.perf_counter() - loaded
    return tuple(slices), rows


def member_overlap(
    spans: dict[str, list[tuple[date, date]]], p: dict[str, Any], start: date, end: date
) -> bool:
    since = p["since"].to_native()
    until = p["until"].to_native() if p["until"] is not None else date.max
    if not (since <= end and until >= start):
        return False
    return all(
        any(a <= end and b >= start for a, b in spans[o]) for o in (p["source"], p["target"])
    )


def _rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, reset by exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def digest(slices: Sequence[agg.PeriodSlice], rows: Sequence[Any]) -> str:
    """A fingerprint of a pipeline's output: its aggregates, medians and tie counts."""
    canonical = json.dumps(
        {
            "slices": [dataclasses.asdict(s) for s in slices],
            "ties": [r.network.ties for r in rows],
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def child(
    pipeline: str, uri: str, networks: list[str], start: str, end: str, trace: bool
) -> None:
    """Run one pipeline in this fresh process; print its time, memory and digest as JSON.

    The first run is timed and sets the peak RSS; with ``trace`` a second run
    under ``tracemalloc`` measures the peak of Python allocations alone
    (tracing slows Python down, so it is not timed).
    """
    db = open_database(uri, "neo4j", PASSWORD)
    await db.row("RETURN 1 AS ok")
    w = agg.Window(date.fromisoformat(start), date.fromisoformat(end), agg.Period.MONTH)
    work = aggregate_pipeline if pipeline == "aggregate" else naive_pipeline
    baseline = _rss_mb()
    clock: dict[str, float] = {}
    began = time.perf_counter()
    slices, rows = await work(db, networks, w, clock)
    seconds = time.perf_counter() - began
    peak_rss = _rss_mb()
    queries = db.queries - 1
    referrals = sum(t.sent for s in slices for t in s.aggregate.ties)
    fingerprint = digest(slices, rows)
    del slices, rows
    traced = float("nan")
    if trace:
        tracemalloc.start()
        await work(db, networks, w)
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    print(json.dumps({"seconds": seconds, "load": clock["load"], "analyse": clock["analyse"],
                      "peak_mb": peak_rss, "baseline_mb": baseline, "traced_mb": traced,
                      "queries": queries, "referrals": referrals,
                      "digest": fingerprint}))  # fmt: skip
    await db.close()


def measure(
    pipeline: str, uri: str, networks: list[str], w: agg.Window, trace: bool
) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.analytics", "--child", pipeline, "--uri", uri,
         "--networks", ",".join(networks), "--start", w.start.isoformat(), "--end",
         w.end.isoformat(), "--trace" if trace else "--no-trace"],
        check=True, capture_output=True, text=True, cwd=project_root(),
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{pipeline}: {result['seconds']:.1f} s, peak RSS {result['peak_mb']:,.0f} MB",
          flush=True)  # fmt: skip
    return result


async def prepare(
    uri: str, preset: str, months: int, reimport: bool
) -> tuple[list[str], agg.Window]:
    db = open_database(uri, "neo4j", PASSWORD)
    try:
        loaded = await load(db, preset, reimport)
        w = window(loaded["manifest"], months)
        started = time.perf_counter()  # warms Neo4j's page cache and plans for both
        await aggregate_pipeline(db, loaded["networks"], w)
        print(f"warm-up aggregate pipeline: {time.perf_counter() - started:.1f} s", flush=True)
        return loaded["networks"], w
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="medium", choices=["demo", "medium", "large"])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--reimport", action="store_true")
    parser.add_argument("--child", choices=["aggregate", "naive"])
    parser.add_argument("--uri")
    parser.add_argument("--networks")
    parser.add_argument("--start")
    parser.add_argument("--end")
    parser.add_argument(
        "--trace",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a second, untimed run of each pipeline under tracemalloc (slow on large)",
    )
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(
            child(args.child, args.uri, args.networks.split(","), args.start, args.end, args.trace)
        )
        return
    with bench_neo4j(heap="2g", pagecache="2g", port=PORT) as settings:
        uri = settings.neo4j_uri
        networks, w = asyncio.run(prepare(uri, args.preset, args.months, args.reimport))
        results = {
            name: measure(name, uri, networks, w, args.trace) for name in ("aggregate", "naive")
        }
    a, n = results["aggregate"], results["naive"]
    if a["digest"] != n["digest"]:
        raise SystemExit("the two pipelines disagree: their aggregates differ")
    print(f"both pipelines agree (digest {a['digest'][:12]}): {a['referrals']:,} referrals")
    print(f"\nmonthly evolution, {args.preset} preset (seed {SEED}), "
          f"{w.start} to {w.end}, {len(w.periods())} months, {len(networks)} networks")  # fmt: skip
    print(f"{'pipeline':<10} {'wall s':>7} {'load s':>7} {'analyse s':>9} {'Python peak MB':>14} "
          f"{'peak RSS MB':>11} {'queries':>7}")  # fmt: skip
    for name, r in results.items():
        print(f"{name:<10} {r['seconds']:>7.2f} {r['load']:>7.2f} {r['analyse']:>9.2f} "
              f"{r['traced_mb']:>14.1f} {r['peak_mb']:>11.0f} {r['queries']:>7.0f}")  # fmt: skip
    print(
        f"naive / aggregate: wall time ×{n['seconds'] / a['seconds']:.1f}, "
        f"loading ×{n['load'] / a['load']:.1f}, Python peak memory "
        f"×{n['traced_mb'] / a['traced_mb']:.1f}, peak RSS ×{n['peak_mb'] / a['peak_mb']:.1f}"
    )
    met = a["seconds"] < 60 and a["peak_mb"] < 1536
    verdict = "met" if met else "NOT met"
    print(f"aggregate pipeline: {a['seconds']:.1f} s, {a['peak_mb']:,.0f} MB peak RSS "
          f"(target for the large preset: < 60 s and < 1.5 GB: {verdict})")  # fmt: skip


if __name__ == "__main__":
    main()
