"""The web app's hot reads: Maillage vs the Neo4j GraphQL Library vs the raw driver.

Usage: ``.venv/bin/python -m benchmarks.reads [--preset medium] [--requests N]
[--rounds R] [--workers N] [--no-peer] [--before DIR]``

Uses the Neo4j of ``benchmarks.analytics`` (``MAILLAGE_BENCH_NEO4J_PORT``,
default 17712, home ``.neo4j/bench-home-<port>``) and the preset it imports
there once (medium, seed 7: 400 organizations, 718 services, 100,585
referrals). Three workloads:

- **directory**: services for HOUSING in the territory with the most of
  them, with their organization's name, first 10, OPEN first;
- **inbox**: the 20 newest referrals received by the busiest organization,
  with the sender's name;
- **organization page**: 50 organizations of the largest network with their
  services, each with its needs and territories.

Maillage runs in production mode (``--workers`` API processes, default one; a
real staff token of the busiest organization, auth, policy and audit on; only
the rate limit is raised out of the way). The peer is what a Neo4j user would
otherwise pick: the Neo4j GraphQL Library 7 on Apollo Server 5 (Node.js,
``benchmarks/peer``, pinned by its lockfile, installed with ``npm ci`` on first
use), over the same Neo4j, with no authentication. The raw path is the bare
async driver running hand-written Cypher for the same rows (auto-commit, one
round trip, as the hot reads of Maillage run). ``--before DIR`` also serves the code
of another checkout (``git archive <commit> | tar -x -C DIR``) as a third
system, so before and after are measured in the same run. Every system's
rows are checked equal to the raw driver's before anything is timed; then,
for 1, 8 and 32 clients, the systems take turns (``--rounds`` times) and
req/s, p50/p95/p99 and the ratios are printed. Timing is not a test: the
figures go into ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from neo4j import READ_ACCESS

from benchmarks._common import Run, api_process, bench_neo4j, drive, peer_process
from benchmarks.analytics import load
from graph.access import identity
from graph.db import Database, open_database
from server.settings import Settings

PORT = int(os.environ.get("MAILLAGE_BENCH_NEO4J_PORT", "17712"))
CLIENTS = (1, 8, 32)

DIRECTORY = """
query($t: ID!) { services(filter: {needCode: "HOUSING", territoryId: $t}, first: 10) {
  edges { node { name availability organization { name } } } } }
"""
INBOX = """
query($org: ID!) { referrals(box: INCOMING, organizationId: $org, first: 20) {
  edges { node { id status sentAt sender { name } } } } }
"""
ORGANIZATION_PAGE = """
query($n: ID!) { organizations(filter: {networkId: $n}, first: 50) {
  edges { node { name services { name needs { code } territories { code } } } } } }
"""
# The same reads in the peer's generated API (benchmarks/peer/server.mjs): a Neo4j user's
# schema over the same graph, its @cypher sort keys giving Maillage's order.
PEER_DIRECTORY = """
query($t: ID!) { services(
  where: {needs: {some: {code: {eq: "HOUSING"}}}, territories: {some: {id: {eq: $t}}},
          organization: {active: {eq: true}}},
  sort: [{rank: ASC}, {sortName: ASC}, {id: ASC}], limit: 10) {
  name availability organization { name } } }
"""
PEER_INBOX = """
query($org: ID!) { referrals(where: {receiver: {id: {eq: $org}}},
  sort: [{sentAt: DESC}, {id: ASC}], limit: 20) { id status sentAt sender { name } } }
"""
PEER_ORGANIZATION_PAGE = """
query($n: ID!) { organizations(
  where: {active: {eq: true},
          networksConnection: {some: {node: {id: {eq: $n}}, edge: {until: {eq: null}}}}},
  sort: [{sortName: ASC}, {id: ASC}], limit: 50) {
  name services(sort: [{rank: ASC}, {sortName: ASC}]) {
    name needs(sort: [{code: ASC}]) { code } territories(sort: [{code: ASC}]) { code } } } }
"""
RANK = "CASE s.availability WHEN 'OPEN' THEN 0 WHEN 'WAITLIST' THEN 1 WHEN 'FULL' THEN 2 ELSE 3 END"
RAW_DIRECTORY = (
    "MATCH (:Need {code: 'HOUSING'})<-[:ADDRESSES]-(s:Service)<-[:OFFERS]-(o:Organization) "
    "WHERE o.active AND EXISTS { (s)-[:AVAILABLE_IN]->(:Territory {id: $t}) } "
    "RETURN s.name AS name, s.availability AS availability, o.name AS organization "
    f"ORDER BY {RANK}, toLower(s.name), s.id LIMIT 10"
)
RAW_INBOX = (
    "MATCH (:Organization {id: $org})<-[:TO]-(r:Referral) "
    "WITH r ORDER BY r.sentAt DESC, r.id LIMIT 20 "
    "MATCH (s:Organization)-[:SENT]->(r) "
    "RETURN r.id AS id, r.status AS status, toString(r.sentAt) AS sentAt, s.name AS sender "
    "ORDER BY r.sentAt DESC, r.id"
)
RAW_ORGANIZATION_PAGE = (
    "MATCH (:Network {id: $n})<-[m:MEMBER_OF]-(o:Organization) "
    "WHERE o.active AND (m.until IS NULL OR m.until >= date()) "
    "WITH DISTINCT o ORDER BY toLower(o.name), o.id LIMIT 50 "
    "RETURN o.name AS name, COLLECT { MATCH (o)-[:OFFERS]->(s:Service) "
    f"  WITH s ORDER BY {RANK}, toLower(s.name) "
    "  RETURN {name: s.name, "
    "    needs: COLLECT { MATCH (s)-[:ADDRESSES]->(n:Need) RETURN n.code ORDER BY n.code }, "
    "    territories: COLLECT { MATCH (s)-[:AVAILABLE_IN]->(t:Territory) "
    "                           RETURN t.code ORDER BY t.code }} } AS services"
)


@dataclass(frozen=True)
class Workload:
    name: str
    query: str
    raw: str
    variables: dict[str, str]
    # GraphQL data -> the raw driver's rows, to check both give the same answer.
    rows: Callable[[dict[str, Any]], list[dict[str, Any]]]
    peer_query: str
    peer_rows: Callable[[dict[str, Any]], list[dict[str, Any]]]


def _nodes(data: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data[field]["edges"]]


def _same_instant(text: str) -> str:
    """GraphQL says ``…+00:00``, Neo4j ``…Z``: one spelling for the comparison."""
    return text.replace("+00:00", "Z")


def _instants(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``sentAt`` as an instant: each system spells it its own way (``Z``, ``.000Z``)."""
    return [
        {**row, "sentAt": datetime.fromisoformat(row["sentAt"])} if "sentAt" in row else row
        for row in rows
    ]


def _services(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**n, "organization": n["organization"]["name"]} for n in services]


def _inbox(referrals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**n, "sentAt": _same_instant(n["sentAt"]), "sender": n["sender"]["name"]}
        for n in referrals
    ]


def _page(organizations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": o["name"],
            "services": [
                {
                    "name": s["name"],
                    "needs": [n["code"] for n in s["needs"]],
                    "territories": [t["code"] for t in s["territories"]],
                }
                for s in o["services"]
            ],
        }
        for o in organizations
    ]


def workloads(ids: dict[str, str]) -> list[Workload]:
    return [
        Workload(
            "directory",
            DIRECTORY,
            RAW_DIRECTORY,
            {"t": ids["territory"]},
            lambda d: _services(_nodes(d, "services")),
            PEER_DIRECTORY,
            lambda d: _services(d["services"]),
        ),
        Workload(
            "inbox",
            INBOX,
            RAW_INBOX,
            {"org": ids["organization"]},
            lambda d: _inbox(_nodes(d, "referrals")),
            PEER_INBOX,
            lambda d: _inbox(d["referrals"]),
        ),
        Workload(
            "organization page",
            ORGANIZATION_PAGE,
            RAW_ORGANIZATION_PAGE,
            {"n": ids["network"]},
            lambda d: _page(_nodes(d, "organizations")),
            PEER_ORGANIZATION_PAGE,
            lambda d: _page(d["organizations"]),
        ),
    ]


async def targets(db: Database) -> dict[str, str]:
    """The busiest organization, the territory with most HOUSING services, the largest network;
    a staff token of the busiest organization."""
    busiest = await db.row(
        "MATCH (o:Organization)<-[:TO]-(r:Referral) "
        "RETURN o.id AS id, count(r) AS n ORDER BY n DESC, id LIMIT 1"
    )
    territory = await db.row(
        "MATCH (:Need {code: 'HOUSING'})<-[:ADDRESSES]-(s:Service)-[:AVAILABLE_IN]->(t:Territory) "
        "RETURN t.id AS id, count(s) AS n ORDER BY n DESC, id LIMIT 1"
    )
    network = await db.row(
        "MATCH (n:Network)<-[:MEMBER_OF]-(o:Organization) "
        "RETURN n.id AS id, count(o) AS n ORDER BY n DESC, id LIMIT 1"
    )
    assert busiest and territory and network
    user = await identity.create_user(
        db, email=f"{uuid.uuid4().hex[:8]}@bench.maillage", name="Bench reads"
    )
    await identity.assign_organization_role(
        db, user_id=user["id"], organization_id=busiest["id"], role="ORG_STAFF"
    )
    token, _ = await identity.create_token(db, user_id=user["id"])
    print(f"busiest organization: {busiest['n']:,} referrals received; territory: "
          f"{territory['n']} HOUSING services; network: {network['n']} members")  # fmt: skip
    return {
        "organization": busiest["id"],
        "territory": territory["id"],
        "network": network["id"],
        "token": token,
    }


@dataclass
class System:
    label: str
    call: Callable[[Workload], Awaitable[list[dict[str, Any]]]]


def api_system(label: str, http: httpx.AsyncClient, token: str) -> System:
    headers = {"Authorization": f"Bearer {token}"}

    async def call(w: Workload) -> list[dict[str, Any]]:
        response = await http.post(
            "/graphql", headers=headers, json={"query": w.query, "variables": w.variables}
        )
        return w.rows(_data(label, w, response))

    return System(label, call)


def peer_system(http: httpx.AsyncClient) -> System:
    """The Neo4j GraphQL Library: its own queries for the same rows, no token (none needed)."""

    async def call(w: Workload) -> list[dict[str, Any]]:
        response = await http.post("/", json={"query": w.peer_query, "variables": w.variables})
        return w.peer_rows(_data("peer", w, response))

    return System("peer", call)


def _data(label: str, w: Workload, response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    if "errors" in body:
        raise RuntimeError(f"{label} {w.name}: {body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


def raw_system(db: Database) -> System:
    """The bare driver at its best for a read: one auto-commit query, one round trip."""

    async def call(w: Workload) -> list[dict[str, Any]]:
        async with db.driver.session(database=db.database, default_access_mode=READ_ACCESS) as s:
            result = await s.run(w.raw, w.variables)
            return [record.data() async for record in result]

    return System("raw driver", call)


async def measure(system: System, w: Workload, clients: int, total: int) -> Run:
    await drive(clients, min(2 * clients, total), lambda: system.call(w))  # warm-up
    seconds, latencies = await drive(clients, total, lambda: system.call(w))
    return Run(system.label, clients, total, seconds, latencies)


def _row(w: Workload, run: Run) -> str:
    return (
        f"{w.name:<18} {run.clients:>7} {run.label:<11} {run.throughput:>8.1f} "
        f"{run.p50:>8.1f} {run.p95:>8.1f} {run.p99:>8.1f}"
    )


async def main_async(
    settings: Settings,
    preset: str,
    requests: int,
    rounds: int,
    before: Path | None,
    workers: int,
    peer: bool,
) -> None:
    db = open_database(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
    try:
        await load(db, preset, reimport=False)
        ids = await targets(db)
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        with (
            api_process(settings, env_name="production", workers=workers) as url,
            (
                api_process(settings, env_name="production", app_dir=before)
                if before is not None
                else nullcontext()
            ) as before_url,
            peer_process(settings) if peer else nullcontext() as peer_url,
        ):
            async with (
                httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http,
                httpx.AsyncClient(
                    base_url=before_url or url, limits=limits, timeout=120
                ) as http_before,
                httpx.AsyncClient(
                    base_url=peer_url or url, limits=limits, timeout=120
                ) as http_peer,
            ):
                systems = [api_system("Maillage", http, ids["token"])]
                if before_url is not None:
                    systems.append(api_system("before", http_before, ids["token"]))
                if peer_url is not None:
                    systems.append(peer_system(http_peer))
                systems.append(raw_system(db))
                print(f"Maillage: {workers} worker(s); peer: {'yes' if peer else 'no'}")
                await _compare(systems, workloads(ids), requests, rounds)
    finally:
        await db.close()


async def _compare(
    systems: list[System], loads: list[Workload], requests: int, rounds: int
) -> None:
    for w in loads:
        expected = _instants(await systems[-1].call(w))
        for system in systems[:-1]:
            got = _instants(await system.call(w))
            if got != expected:
                raise SystemExit(f"{system.label} and the raw driver differ on {w.name}")
        print(f"{w.name}: {len(expected)} identical rows from every system")
    print(f"\n{'workload':<18} {'clients':>7} {'system':<11} {'req/s':>8} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'p99 ms':>8}")  # fmt: skip
    best: dict[tuple[str, int, str], Run] = {}
    for round_no in range(rounds):
        order = systems if round_no % 2 == 0 else systems[::-1]
        for w in loads:
            for clients in CLIENTS:
                for system in order:
                    run = await measure(system, w, clients, requests)
                    print(_row(w, run), flush=True)
                    key = (w.name, clients, system.label)
                    if key not in best or run.throughput > best[key].throughput:
                        best[key] = run
    print("\nratios of throughput (best round of each):")
    labels = [s.label for s in systems]
    for w in loads:
        for clients in CLIENTS:
            mine = best[(w.name, clients, "Maillage")].throughput
            raw = best[(w.name, clients, "raw driver")].throughput
            line = f"  {w.name:<18} {clients:>2} clients: Maillage/raw {mine / raw:.2f}"
            if "peer" in labels:
                line += f", Maillage/peer {mine / best[(w.name, clients, 'peer')].throughput:.2f}"
            if "before" in labels:
                old = best[(w.name, clients, "before")].throughput
                line += f", before/raw {old / raw:.2f}, Maillage/before {mine / old:.1f}"
            print(line)
        at8 = best[(w.name, 8, "Maillage")].throughput
        at32 = best[(w.name, 32, "Maillage")].throughput
        print(f"  {w.name:<18} Maillage at 32 / at 8 clients: {at32 / at8:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="medium", choices=["demo", "medium", "large"])
    parser.add_argument("--requests", type=int, default=300, help="per workload, level, system")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--workers", type=int, default=1, help="Maillage's API processes")
    parser.add_argument(
        "--no-peer", dest="peer", action="store_false", help="leave out the Neo4j GraphQL Library"
    )
    args = parser.parse_args()
    with bench_neo4j(heap="2g", pagecache="1g", port=PORT, apoc=args.peer) as settings:
        asyncio.run(
            main_async(
                settings,
                args.preset,
                args.requests,
                args.rounds,
                args.before,
                args.workers,
                args.peer,
            )
        )


if __name__ == "__main__":
    main()
