"""A mixed workload from the real pattern: Maillage over HTTP vs the same operations without it.

Usage: ``.venv/bin/python -m benchmarks.load [--preset medium] [--operations N] [--rounds R]``

Uses the Neo4j and the preset of ``benchmarks.reads`` (``MAILLAGE_BENCH_NEO4J_PORT``,
default 17712). Each client draws its next operation from the mix an
organization's staff produces (seeded, the same sequence for both systems):

======================  ======  ==================================================
operation               share   what
======================  ======  ==================================================
inbox                   40 %    the 20 newest referrals received, sender's name
directory               25 %    HOUSING services in the busiest territory, first 10
send                    15 %    ``sendReferral`` to a partner's OPEN service
acknowledge             15 %    ``acknowledgeReferral`` of a referral waiting (SENT)
analytics                5 %    the network's quarterly evolution over a year
======================  ======  ==================================================

Maillage runs in production mode (one uvicorn worker, a real staff token, auth,
policy and audit on). The other side is the same work without the API: the reads
as hand-written Cypher on the bare driver (one auto-commit query), the writes
through the very transaction functions the API calls (``graph.referral.commands``), the
analytics through the same aggregation and NetworkX code. At 1, 8, 32 and 64
clients, the systems take turns; throughput, p50/p95/p99 per operation and the
ratios are printed. The figures go into ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
from neo4j import READ_ACCESS

from analytics.evolution import evolution
from benchmarks._common import api_process, bench_neo4j
from benchmarks.analytics import load
from benchmarks.reads import DIRECTORY, INBOX, PORT, RAW_DIRECTORY, RAW_INBOX, targets
from domain.lifecycle import Action
from graph.access import identity
from graph.aggregates import queries as g_agg
from graph.db import Database, open_database
from graph.referral import commands as referrals
from server.settings import Settings

CLIENTS = (1, 8, 32, 64)
MIX = (("inbox", 40), ("directory", 25), ("send", 15), ("acknowledge", 15), ("analytics", 5))
SEND = "mutation($i: SendReferralInput!) { sendReferral(input: $i) { id status } }"
ACK = "mutation($id: ID!) { acknowledgeReferral(id: $id, expectedStatus: SENT) { id status } }"
EVOLUTION = """query($n: ID!) { network(id: $n) {
  evolution(from: "2025-01-01", to: "2025-12-31", period: QUARTER) {
    periods { density ties } } } }"""


def plan(operations: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    names = [name for name, _ in MIX]
    weights = [weight for _, weight in MIX]
    return rng.choices(names, weights=weights, k=operations)


async def partner(db: Database, organization: str) -> dict[str, str]:
    """A member of one of ``organization``'s networks with an OPEN service; that network."""
    row = await db.row(
        "MATCH (:Organization {id: $org})-[:MEMBER_OF]->(n:Network)<-[:MEMBER_OF]-(o:Organization)"
        "-[:OFFERS]->(s:Service)-[:ADDRESSES]->(need:Need) "
        "WHERE o.id <> $org AND o.active AND s.availability = 'OPEN' "
        "RETURN o.id AS id, s.id AS service, need.code AS need, n.id AS network "
        "ORDER BY o.id LIMIT 1",
        org=organization,
    )
    if row is None:
        raise SystemExit("the busiest organization has no partner with an OPEN service")
    return dict(row)


async def waiting(db: Database, sender: str, receiver: str, count: int) -> list[str]:
    """``count`` fresh SENT referrals to ``receiver`` for the acknowledge operations."""
    ids = []
    for _ in range(count):
        row, _ = await referrals.send_referral(
            db,
            referrals.ReferralInput(
                to_organization_id=receiver,
                need_codes=["FOOD_SECURITY"],
                family_reference=f"F-LOAD-{uuid.uuid4().int % 10**8:08d}",
                idempotency_key=uuid.uuid4().hex,
                consent_given=True,
                consent_method="VERBAL",
                consent_scope="referral",
            ),
            sender_id=sender,
            actor_user_id=None,
            now=datetime.now(UTC),
        )
        ids.append(row["id"])
    return ids


Operation = Callable[[], Awaitable[object]]


class Maillage:
    label = "Maillage"

    def __init__(self, http: httpx.AsyncClient, ids: dict[str, str], to: dict[str, str]) -> None:
        self.http, self.ids, self.to = http, ids, to
        self.headers = {"Authorization": f"Bearer {ids['token']}"}

    async def _post(
        self, query: str, variables: dict[str, Any], *, coordinator: bool = False
    ) -> None:
        headers = (
            {"Authorization": f"Bearer {self.ids['coordinator_token']}"}
            if coordinator
            else self.headers
        )
        body = (
            await self.http.post(
                "/graphql", headers=headers, json={"query": query, "variables": variables}
            )
        ).json()
        if "errors" in body:
            raise RuntimeError(body["errors"])

    def operation(self, name: str, pool: list[str]) -> Operation:
        ids, to = self.ids, self.to
        if name == "inbox":
            return lambda: self._post(INBOX, {"org": ids["organization"]})
        if name == "directory":
            return lambda: self._post(DIRECTORY, {"t": ids["territory"]})
        if name == "send":
            return lambda: self._post(
                SEND,
                {
                    "i": {
                        "fromOrganizationId": ids["organization"],
                        "toOrganizationId": to["id"],
                        "serviceId": to["service"],
                        "needCodes": [to["need"]],
                        "familyReference": "F-LOAD-1",
                        "consent": {"given": True, "method": "VERBAL", "scope": "referral"},
                        "idempotencyKey": uuid.uuid4().hex,
                    }
                },
            )
        if name == "acknowledge":
            rid = pool.pop()
            return lambda: self._post(ACK, {"id": rid})
        return lambda: self._post(EVOLUTION, {"n": ids["network"]}, coordinator=True)


class Direct:
    label = "direct"

    def __init__(self, db: Database, ids: dict[str, str], to: dict[str, str], user: str) -> None:
        self.db, self.ids, self.to, self.user = db, ids, to, user

    async def _read(self, query: str, params: dict[str, Any]) -> None:
        db = self.db
        async with db.driver.session(database=db.database, default_access_mode=READ_ACCESS) as s:
            result = await s.run(query, params)
            [record.data() async for record in result]

    async def _send(self) -> None:
        to = self.to
        await referrals.send_referral(
            self.db,
            referrals.ReferralInput(
                to_organization_id=to["id"],
                service_id=to["service"],
                need_codes=[to["need"]],
                family_reference="F-LOAD-1",
                idempotency_key=uuid.uuid4().hex,
                consent_given=True,
                consent_method="VERBAL",
                consent_scope="referral",
            ),
            sender_id=self.ids["organization"],
            actor_user_id=self.user,
            now=datetime.now(UTC),
        )

    async def _acknowledge(self, rid: str) -> None:
        await referrals.transition(
            self.db,
            rid,
            Action.ACKNOWLEDGE,
            expected_status="SENT",
            actor_user_id=self.user,
            actor_org_id=self.ids["organization"],
            now=datetime.now(UTC),
        )

    async def _analytics(self) -> None:
        window = g_agg.Window(date(2025, 1, 1), date(2025, 12, 31), g_agg.Period.QUARTER)
        before, slices = await g_agg.collaboration_with_previous(
            self.db, [self.ids["network"]], window, now=datetime.now(UTC)
        )
        await asyncio.to_thread(evolution, [before.aggregate, *(s.aggregate for s in slices)])

    def operation(self, name: str, pool: list[str]) -> Operation:
        if name == "inbox":
            return lambda: self._read(RAW_INBOX, {"org": self.ids["organization"]})
        if name == "directory":
            return lambda: self._read(RAW_DIRECTORY, {"t": self.ids["territory"]})
        if name == "send":
            return self._send
        if name == "acknowledge":
            rid = pool.pop()
            return lambda: self._acknowledge(rid)
        return self._analytics


async def run_mix(
    system: Maillage | Direct,
    names: list[str],
    pool: list[str],
    clients: int,
    failures: dict[str, int],
) -> tuple[float, dict[str, list[float]]]:
    """The planned operations by ``clients`` workers: wall seconds, latencies (ms) per op.

    An operation that fails (under overload: a coded timeout, a lock wait) is counted in
    ``failures`` and its latency kept: giving up in bounded time is part of the result.
    """
    queue = [(name, system.operation(name, pool)) for name in names]
    latencies: dict[str, list[float]] = defaultdict(list)

    async def worker() -> None:
        while queue:
            name, call = queue.pop()
            began = time.perf_counter()
            try:
                await call()
            except Exception:  # counted, not fatal: see the docstring
                failures[name] = failures.get(name, 0) + 1
            latencies[name].append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - began, latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main_async(settings: Settings, preset: str, operations: int, rounds: int) -> None:
    db = open_database(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
    try:
        await load(db, preset, reimport=False)
        ids = await targets(db)
        to = await partner(db, ids["organization"])
        ids["network"] = to["network"]
        staff = await db.row(
            "MATCH (u:User)-[:WORKS_AT]->(:Organization {id: $org}) "
            "RETURN u.id AS id ORDER BY u.createdAt DESC LIMIT 1",
            org=ids["organization"],
        )
        assert staff is not None
        user = staff
        coordinator = await identity.create_user(
            db, email=f"{uuid.uuid4().hex[:8]}@bench.maillage", name="Bench coordinator"
        )
        await identity.assign_network_role(
            db, user_id=coordinator["id"], network_id=ids["network"], role="COORDINATOR"
        )
        ids["coordinator_token"], _ = await identity.create_token(db, user_id=coordinator["id"])
        names = plan(operations, seed=7)
        acks = names.count("acknowledge")
        limits = httpx.Limits(max_connections=128, max_keepalive_connections=128)
        with api_process(settings, env_name="production") as url:
            async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:
                systems: list[Maillage | Direct] = [
                    Maillage(http, ids, to),
                    Direct(db, ids, to, user["id"]),
                ]
                print(f"mix of {operations} operations per run: "
                      + ", ".join(f"{n} {names.count(n)}" for n, _ in MIX))  # fmt: skip
                best: dict[tuple[int, str], float] = {}
                for round_no in range(rounds):
                    order = systems if round_no % 2 == 0 else systems[::-1]
                    for clients in CLIENTS:
                        for system in order:
                            pool = await waiting(db, to["id"], ids["organization"], acks)
                            failed: dict[str, int] = {}
                            seconds, lat = await run_mix(system, names, pool, clients, failed)
                            rate = (operations - sum(failed.values())) / seconds
                            key = (clients, system.label)
                            best[key] = max(best.get(key, 0.0), rate)
                            per_op = "  ".join(
                                f"{n} {_pct(lat[n], 0.5):.0f}/{_pct(lat[n], 0.95):.0f}/"
                                f"{_pct(lat[n], 0.99):.0f}"
                                for n, _ in MIX
                                if lat[n]
                            )
                            head = f"round {round_no + 1} {clients:>3} clients {system.label:<9}"
                            errors = ", ".join(f"{n} {c}" for n, c in failed.items()) or "none"
                            print(f"{head} {rate:7.1f} ops/s   p50/p95/p99 ms: {per_op}   "
                                  f"failed: {errors}", flush=True)  # fmt: skip
                print("\nthroughput ratio Maillage/direct (best round of each):")
                for clients in CLIENTS:
                    mine, raw = best[(clients, "Maillage")], best[(clients, "direct")]
                    print(
                        f"  {clients:>3} clients: {mine:7.1f} / {raw:7.1f} ops/s = {mine / raw:.2f}"
                    )
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="medium", choices=["demo", "medium", "large"])
    parser.add_argument("--operations", type=int, default=400, help="operations per run")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with bench_neo4j(heap="2g", pagecache="1g", port=PORT) as settings:
        asyncio.run(main_async(settings, args.preset, args.operations, args.rounds))


if __name__ == "__main__":
    main()
